export { AuthModule } from './auth.module.js';
export { USER_ID_PATTERN, type Caller } from './caller.js';
export { CurrentCaller, CurrentUser } from './current-user.decorator.js';
export { FailedAttempts, withoutPort, type AddressStanding } from './failed-attempts.js';
export { JwksKeyStore } from './jwks-key-store.js';
export { Public } from './public.decorator.js';
export { REQUIRED_ROLES, Roles } from './roles.decorator.js';
