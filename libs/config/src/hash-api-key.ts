import { createHash } from 'node:crypto';

/** Longest API key the gateway hashes; a longer header is refused before any work is done on it. */
export const MAX_API_KEY_LENGTH = 256;

/*
 * Node reads header values as Latin-1 and trims the whitespace around them,
 * so only visible ASCII survives the trip unchanged: a key with anything
 * else would hash differently here than at the gateway and never match.
 */
const PRESENTABLE_KEY = /^[\x21-\x7E]+$/;

/**
 * The `API_KEYS` form of a key: `sha256:` and the lowercase hex SHA-256 of
 * its UTF-8 bytes. Throws a RangeError (which never contains the key) for a
 * key the gateway could never accept: empty, longer than
 * {@link MAX_API_KEY_LENGTH}, or with characters other than visible ASCII.
 */
export function hashApiKey(key: string): string {
  if (key.length > MAX_API_KEY_LENGTH || !PRESENTABLE_KEY.test(key)) {
    throw new RangeError(
      `An API key must be 1 to ${MAX_API_KEY_LENGTH} visible ASCII characters without spaces`,
    );
  }
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}
