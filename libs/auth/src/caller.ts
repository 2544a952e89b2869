import type { ApiKeyConsumer } from '@app/config';
import { InvalidTokenError } from './invalid-token.error.js';

/** Who is calling, as the rest of the gateway sees it once the token or API key is verified. */
export interface Caller {
  /** A person with a Bearer token, or a server-to-server consumer with an API key. */
  kind: 'user' | 'consumer';
  /** A user's token `sub` (the user id upstream), or a consumer's configured name. */
  id: string;
  roles: string[];
  /** A consumer's throttle tier; undefined for users. */
  tier: string | undefined;
}

/**
 * What a user id (a token's `sub`) may be: the characters identity
 * providers put in one (`auth0|5f7c…`, `user@example.com`, UUIDs), up to
 * 128. It becomes a path segment, a query value and a cache key upstream,
 * so no spaces, slashes, quotes or control characters, and never `.` or
 * `..` alone, which a path segment would climb out of.
 */
export const USER_ID_PATTERN = /^(?!\.\.?$)[A-Za-z0-9_.:@|-]{1,128}$/;

export function isCaller(value: unknown): value is Caller {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const candidate = value as Partial<Record<keyof Caller, unknown>>;
  if (typeof candidate.id !== 'string' || !Array.isArray(candidate.roles)) {
    return false;
  }
  return (
    (candidate.kind === 'user' && candidate.tier === undefined) ||
    (candidate.kind === 'consumer' && typeof candidate.tier === 'string')
  );
}

/** A `roles` claim is a list of strings or one string; anything else grants nothing rather than failing the request. */
function rolesFrom(claim: unknown): string[] {
  if (typeof claim === 'string') {
    return [claim];
  }
  if (Array.isArray(claim) && claim.every((role) => typeof role === 'string')) {
    return [...claim];
  }
  return [];
}

/** The caller a verified payload stands for; throws when the payload cannot name a user. */
export function callerFromPayload(payload: unknown): Caller {
  if (typeof payload !== 'object' || payload === null) {
    throw new InvalidTokenError('malformed');
  }
  const claims = payload as Record<string, unknown>;
  // jsonwebtoken checks exp only when present; a token that never expires is not one we accept.
  if (typeof claims.exp !== 'number') {
    throw new InvalidTokenError('missing-expiry');
  }
  const subject = claims.sub;
  if (typeof subject !== 'string' || !USER_ID_PATTERN.test(subject)) {
    throw new InvalidTokenError('invalid-subject');
  }
  return { kind: 'user', id: subject, roles: rolesFrom(claims.roles), tier: undefined };
}

/** The caller an API key stands for; the roles are copied so a handler cannot change the configuration. */
export function callerFromConsumer(consumer: ApiKeyConsumer): Caller {
  return { kind: 'consumer', id: consumer.name, roles: [...consumer.roles], tier: consumer.tier };
}
