import { Injectable } from '@nestjs/common';
import { ProblemError } from '@app/problem';
import { createHash } from 'node:crypto';
import { ResourceCache } from './resource-cache.js';

/** How long a first answer is kept for replays: a client retrying a write does so within minutes, not days. */
const REPLAY_WINDOW_MS = 24 * 60 * 60 * 1000;

interface FirstAnswer {
  fingerprint: string;
  answer: unknown;
}

/**
 * Idempotency-Key handling for writes: the first answer to a key is kept
 * (in Redis when there is one, so any instance can replay it) and a repeat
 * of the same request gets that answer again without a second write; the
 * same key on a different request is refused, as it is most likely a bug
 * in the client.
 */
@Injectable()
export class IdempotentReplay {
  constructor(private readonly cache: ResourceCache) {}

  async run<T>(owner: string, key: string, request: unknown, write: () => Promise<T>): Promise<T> {
    const cacheKey = `idempotency:${encodeURIComponent(owner)}:${encodeURIComponent(key)}`;
    const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('base64url');
    const first = await this.cache.peekFresh<FirstAnswer>(cacheKey);
    if (first !== undefined) {
      if (first.value.fingerprint !== fingerprint) {
        throw new ProblemError('conflict', 'This Idempotency-Key was already used for a different request.');
      }
      return first.value.answer as T;
    }
    const answer = await write();
    await this.cache.store<FirstAnswer>(cacheKey, { fingerprint, answer }, REPLAY_WINDOW_MS, undefined);
    return answer;
  }
}
