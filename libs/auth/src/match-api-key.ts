import { MAX_API_KEY_LENGTH, type ApiKeyConsumer } from '@app/config';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The consumer whose key was presented, or `undefined`. The key is hashed
 * the way `hashApiKey` does it and compared with every configured hash in
 * constant time, without stopping at a match, so the time taken tells
 * neither how much of a hash matched nor which entry did. An empty or
 * over-long key is refused before any hashing.
 */
export function matchApiKey(
  presented: string,
  consumers: readonly ApiKeyConsumer[],
): ApiKeyConsumer | undefined {
  if (presented.length === 0 || presented.length > MAX_API_KEY_LENGTH) {
    return undefined;
  }
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let match: ApiKeyConsumer | undefined;
  for (const consumer of consumers) {
    const equal = timingSafeEqual(digest, consumer.keyHash);
    match = equal ? consumer : match;
  }
  return match;
}
