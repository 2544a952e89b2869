import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ProblemError } from '@app/problem';
import { httpRequestOf } from '@app/route-metadata';
import { isCaller, type Caller } from './caller.js';

function callerOf(context: ExecutionContext): Caller {
  const { user } = httpRequestOf<{ user?: unknown }>(context);
  if (!isCaller(user)) {
    // Only a @Public() route gets here without a caller: a wiring mistake, not a client error.
    throw new Error('@CurrentUser() and @CurrentCaller() need a route with an authenticated caller');
  }
  return user;
}

/** The verified caller of this request, a signed-in user or an API consumer. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller =>
  callerOf(context),
);

/**
 * The signed-in user of this request, as the auth guard left it on
 * `request.user`. Routes that take it serve a user's own data, so an API
 * consumer is refused: its name must never be taken for a user id upstream.
 */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const user = callerOf(context);
  if (user.kind !== 'user') {
    throw new ProblemError(
      'forbidden',
      'This route serves signed-in users; API consumers have no user data here.',
    );
  }
  return user;
});
