import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { ProblemError } from '@app/problem';
import { RedisConnection } from '@app/redis';
import { MemoryRateLimitStore } from './memory-rate-limit.store.js';
import type { RateCounter, RateLimitStore, WindowSpend } from './rate-counter.js';
import { RedisRateLimitStore } from './redis-rate-limit.store.js';

/**
 * Shared windows in Redis when there is one, so every gateway instance
 * enforces one limit; windows in memory otherwise. While Redis cannot
 * answer, the configured policy decides: fail open (the default) lets this
 * instance's memory windows stand in, so callers stay limited, if per
 * instance; fail closed answers 503 at once. Neither ever waits on Redis
 * past its command timeout.
 */
@Injectable()
export class GatewayRateLimitStore implements RateLimitStore {
  private readonly logger = new Logger(GatewayRateLimitStore.name);
  private readonly memory = new MemoryRateLimitStore();
  private readonly shared: RedisRateLimitStore | undefined;
  private readonly failClosed: boolean;
  private standingIn = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig, redis: RedisConnection) {
    this.shared =
      redis.client === undefined
        ? undefined
        : new RedisRateLimitStore(redis, `${config.redisKeyPrefix}ratelimit:`);
    this.failClosed = config.throttle.onRedisFailure === 'closed';
  }

  async consumeInOrder(spends: readonly WindowSpend[]): Promise<RateCounter[]> {
    if (this.shared === undefined) {
      return this.memory.consumeInOrder(spends);
    }
    const counters = await this.shared.consumeInOrder(spends);
    if (counters !== undefined) {
      this.noteRedis(true);
      return counters;
    }
    this.noteRedis(false);
    if (this.failClosed) {
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

  async peek(key: string): Promise<RateCounter | undefined> {
    return (await this.shared?.peek(key)) ?? this.memory.peek(key);
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
