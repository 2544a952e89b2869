import { createHmac } from 'node:crypto';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from './tokens.js';

function base64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/**
 * A compact JWS built by hand, so header and payload may be anything at all
 * (a `sub` that is not a string, an `exp` that is an object, a payload that
 * is not an object), HMAC-signed with `secret`: jsonwebtoken's `sign` would
 * refuse most of what an attacker can put in a token.
 */
export function handSignedToken(header: unknown, payload: unknown, secret: string = TEST_JWT_SECRET): string {
  const unsigned = `${base64url(header)}.${base64url(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** The claims the e2e stack accepts, for `sub`, expiring in five minutes; `extra` adds or replaces any. */
export function validClaims(sub: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub, iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: now, exp: now + 300, ...extra };
}
