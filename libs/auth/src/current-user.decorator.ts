import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { isCaller, type Caller } from './caller.js';

/** The verified caller of this request, as the auth guard left it on `request.user`. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const { user } = context.switchToHttp().getRequest<{ user?: unknown }>();
  if (!isCaller(user)) {
    // Only a @Public() route gets here without a caller: a wiring mistake, not a client error.
    throw new Error('@CurrentUser() was used on a route that has no authenticated caller');
  }
  return user;
});
