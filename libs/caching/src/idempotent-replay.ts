import { Injectable } from '@nestjs/common';
import { ProblemError } from '@app/problem';
import { RedisConnection, RELEASE_IF_HELD } from '@app/redis';
import { LRUCache } from 'lru-cache';
import { createHash, randomUUID } from 'node:crypto';
import { ResourceCache } from './resource-cache.js';

/** How long a first answer is kept for replays: a client retrying a write does so within minutes, not days. */
const REPLAY_WINDOW_MS = 24 * 60 * 60 * 1000;
/**
 * How long a claim outlives its write's deadline, for what follows the
 * write (its invalidation, storing its answer). A claim is given back as
 * soon as its write ends; this bounds how long one whose instance died
 * mid-write keeps refusing the key's retries, which are told to come back
 * in a second.
 */
const CLAIM_MARGIN_MS = 2_000;

/**
 * First answers kept in this process, whatever else it caches: filed in
 * the memory layer with the cached reads, one was pushed out by other
 * users' reads within minutes, and its repeat written upstream a second
 * time. The records are small (a fingerprint and the answer); past this
 * many, the oldest go first.
 */
const MAX_KEPT_ANSWERS = 20_000;

interface FirstAnswer {
  fingerprint: string;
  answer: unknown;
}

/** A write running in this process for a key, and whether it holds the key (rather than waiting to be told another does). */
interface RunningWrite {
  fingerprint: string;
  answer: Promise<unknown>;
  holdsKey: boolean;
}

const differentRequest = (): ProblemError =>
  new ProblemError('conflict', 'This Idempotency-Key was already used for a different request.');

/**
 * Idempotency-Key handling for writes: the first answer to a key is kept
 * (in Redis when there is one, so any instance can replay it) and a repeat
 * of the same request gets that answer again without a second write; the
 * same key on a different request is refused, as it is most likely a bug
 * in the client. While a key's write runs, a repeat in the same instance
 * waits for its answer, and one in another instance is told to retry
 * shortly: a key is claimed, in this process and in Redis, before its
 * write starts, so requests that arrive together never write twice.
 */
@Injectable()
export class IdempotentReplay {
  /** Writes running in this process, by key. */
  private readonly running = new Map<string, RunningWrite>();
  /** First answers given here, kept apart from the cache's entries (see {@link MAX_KEPT_ANSWERS}). */
  private readonly kept = new LRUCache<string, FirstAnswer>({ max: MAX_KEPT_ANSWERS, ttl: REPLAY_WINDOW_MS });

  constructor(
    private readonly cache: ResourceCache,
    private readonly redis: RedisConnection,
  ) {}

  /** `write` ends within `timeLeftMs`, as a request's upstream calls do by its deadline. */
  async run<T>(
    owner: string,
    key: string,
    request: unknown,
    timeLeftMs: number,
    write: () => Promise<T>,
  ): Promise<T> {
    const cacheKey = `idempotency:${encodeURIComponent(owner)}:${encodeURIComponent(key)}`;
    const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('base64url');
    for (let here = this.running.get(cacheKey); here !== undefined; here = this.running.get(cacheKey)) {
      if (here.fingerprint === fingerprint) {
        return (await here.answer) as T;
      }
      if (here.holdsKey) {
        throw differentRequest();
      }
      /*
       * A different request got here first but may not hold the key: an
       * instance elsewhere may be writing this very request, which a
       * refusal as "different" would make its client give up on. Its
       * outcome tells.
       */
      await here.answer.catch(() => undefined);
    }
    const running: RunningWrite = { fingerprint, answer: Promise.resolve(), holdsKey: false };
    const answer = this.firstOrReplay(cacheKey, fingerprint, timeLeftMs, write, running);
    running.answer = answer;
    this.running.set(cacheKey, running);
    try {
      return await answer;
    } finally {
      this.running.delete(cacheKey);
    }
  }

  private async firstOrReplay<T>(
    cacheKey: string,
    fingerprint: string,
    timeLeftMs: number,
    write: () => Promise<T>,
    running: RunningWrite,
  ): Promise<T> {
    // Another instance's first answer is in Redis; this one's, here, Redis answering or not.
    const first = this.kept.get(cacheKey) ?? (await this.cache.peekFresh<FirstAnswer>(cacheKey))?.value;
    if (first !== undefined) {
      if (first.fingerprint !== fingerprint) {
        throw differentRequest();
      }
      return first.answer as T;
    }
    const claim = await this.claim(cacheKey, timeLeftMs + CLAIM_MARGIN_MS);
    running.holdsKey = true;
    try {
      const answer = await write();
      const record: FirstAnswer = { fingerprint, answer };
      this.kept.set(cacheKey, record);
      if (this.redis.client !== undefined) {
        await this.cache.storeFresh(cacheKey, record, REPLAY_WINDOW_MS, undefined);
      }
      return answer;
    } finally {
      if (claim !== undefined) {
        void this.redis.runScript(RELEASE_IF_HELD, [claim.key], [claim.token]);
      }
    }
  }

  /**
   * Holds the key in Redis for this write; refuses the request with 409 when
   * another instance holds it. Without Redis, or while it does not answer,
   * the claim in this process is all there is.
   */
  private async claim(cacheKey: string, holdMs: number): Promise<{ key: string; token: string } | undefined> {
    if (this.redis.client === undefined) {
      return undefined;
    }
    const claim = { key: `${this.redis.keyPrefix}claim:${cacheKey}`, token: randomUUID() };
    const taken = await this.redis.run((client) =>
      client.set(claim.key, claim.token, 'PX', Math.ceil(holdMs), 'NX'),
    );
    if (taken === null) {
      throw new ProblemError(
        'conflict',
        'A request with this Idempotency-Key is still in progress; retry it shortly.',
        { headers: { 'retry-after': '1' } },
      );
    }
    return taken === 'OK' ? claim : undefined;
  }
}
