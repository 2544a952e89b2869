import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
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

/** Set on a handler that takes {@link CurrentUser}: the auth guard refuses consumers there, before they are counted. */
export const USERS_ONLY = 'bff:users-only';

/** The 403 for an API consumer on a route that serves users' own data. */
export function consumerRefused(): ProblemError {
  return new ProblemError(
    'forbidden',
    'This route serves signed-in users; API consumers have no user data here.',
  );
}

const readUser = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const user = callerOf(context);
  if (user.kind !== 'user') {
    throw consumerRefused();
  }
  return user;
});

/**
 * The signed-in user of this request, as the auth guard left it on
 * `request.user`. Routes that take it serve a user's own data, so an API
 * consumer is refused: its name must never be taken for a user id upstream.
 * The handler is marked too, so the auth guard refuses a consumer before
 * the throttler counts the request: a refusal spends none of its limits.
 */
export const CurrentUser =
  (): ParameterDecorator =>
  (target, handler, index): void => {
    readUser()(target, handler, index);
    const descriptor = handler === undefined ? undefined : Object.getOwnPropertyDescriptor(target, handler);
    if (handler !== undefined && descriptor !== undefined) {
      SetMetadata(USERS_ONLY, true)(target, handler, descriptor);
    }
  };
