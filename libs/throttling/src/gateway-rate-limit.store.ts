import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { ProblemError } from '@app/problem';
import { RedisConnection } from '@app/redis';
import { MemoryRateLimitStore } from './memory-rate-limit.store.js';
import type { RateCounter, RateLimitStore, WindowSpend } from './rate-counter.js';
import { leasable, RateLeases } from './rate-leases.js';
import { RedisRateLimitStore } from './redis-rate-limit.store.js';

/**
 * Shared windows in Redis when there is one, so every gateway instance
 * enforces one limit; windows in memory otherwise. While Redis cannot
 * answer, the configured policy decides: fail open (the default) lets this
 * instance's memory windows stand in, so callers stay limited, if per
 * instance; fail closed answers 503 at once. Neither ever waits on Redis
 * past its command timeout. With Redis, a caller far from its limits is
 * admitted on a lease of units Redis counted ahead ({@link RateLeases}),
 * without a round trip.
 */
@Injectable()
export class GatewayRateLimitStore implements RateLimitStore {
  private readonly logger = new Logger(GatewayRateLimitStore.name);
  private readonly memory = new MemoryRateLimitStore();
  private readonly shared: RedisRateLimitStore | undefined;
  /** Callers' leases, when instances share windows and leasing is on. */
  private readonly leases: RateLeases | undefined;
  private readonly leaseUnits: number;
  private readonly failClosed: boolean;
  private standingIn = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig, redis: RedisConnection) {
    this.shared =
      redis.client === undefined
        ? undefined
        : new RedisRateLimitStore(redis, `${config.redisKeyPrefix}ratelimit:`);
    this.leaseUnits = config.throttle.leaseUnits;
    this.leases = this.shared === undefined || this.leaseUnits === 0 ? undefined : new RateLeases();
    this.failClosed = config.throttle.onRedisFailure === 'closed';
  }

  /**
   * `operator`: an admin route, which fails open whatever the policy: the
   * breakers' view and cache invalidation are what an operator reaches for
   * during the very incident that took Redis away.
   */
  consumeInOrder(spends: readonly WindowSpend[], operator = false): Promise<RateCounter[]> {
    if (this.shared === undefined) {
      return this.memory.consumeInOrder(spends);
    }
    const now = Date.now();
    const leased = this.leases?.spend(spends, now);
    return leased === undefined
      ? this.consumeShared(this.shared, spends, now, operator)
      : Promise.resolve(leased);
  }

  async peek(key: string): Promise<RateCounter | undefined> {
    return (await this.peekCounted(key)).counter;
  }

  /**
   * The key's counter and where it was counted: in Redis, for every
   * instance, or, without Redis or while it does not answer, in this
   * instance alone (then it shows this instance's share only).
   */
  async peekCounted(key: string): Promise<{ counter: RateCounter | undefined; shared: boolean }> {
    const counter = await this.shared?.peek(key);
    if (counter === undefined) {
      return { counter: await this.memory.peek(key), shared: false };
    }
    if (counter === null) {
      return { counter: undefined, shared: true };
    }
    // Units this instance holds ahead are not spent yet; other instances' show, as they would to any of them.
    const unspent = this.leases?.unspent(key, Date.now()) ?? 0;
    return { counter: { ...counter, hits: Math.max(0, counter.hits - unspent) }, shared: true };
  }

  private async consumeShared(
    shared: RedisRateLimitStore,
    spends: readonly WindowSpend[],
    sentAt: number,
    operator: boolean,
  ): Promise<RateCounter[]> {
    const leases = this.leases;
    const standing =
      leases === undefined || !leasable(spends)
        ? await shared.consumeInOrder(spends)
        : await shared.consumeInOrder(spends, this.leaseUnits, leases.giveBack(spends, sentAt));
    if (standing !== undefined) {
      this.noteRedis(true);
      leases?.record(spends, sentAt, standing);
      return standing.counters;
    }
    // Units given back with a request Redis could not count stay counted: at most a lease, in windows that end.
    this.noteRedis(false);
    if (this.failClosed && !operator) {
      throw new ProblemError(
        'service-unavailable',
        'Rate limits cannot be checked right now; retry shortly.',
        {
          headers: { 'retry-after': '1' },
        },
      );
    }
    return this.memory.consumeInOrder(spends);
  }

  private noteRedis(answering: boolean): void {
    if (answering === !this.standingIn) {
      return;
    }
    this.standingIn = !answering;
    this.logger.warn(
      answering
        ? 'Redis answers again: rate limits are shared again'
        : `Redis cannot count requests: ${this.failClosed ? 'refusing requests (fail closed)' : 'limiting in this instance only (fail open)'}`,
    );
  }
}
