/**
 * The JWT secret `npm start` and `npm run token` share when no key is
 * configured. It is public (it is in this repository), so the loader refuses
 * it in production and the launcher warns about it everywhere else.
 */
export const DEVELOPMENT_JWT_SECRET = 'bff-gateway-development-secret-do-not-use-in-production';

export const DEVELOPMENT_SECRET_WARNING =
  'JWT_SECRET is not set: using the public development secret. Set JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL before exposing this gateway.';
