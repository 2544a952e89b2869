import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { RedisConnection } from '@app/redis';

/**
 * Whether the shared Redis answers. Without `REDIS_URL` state lives in
 * memory and there is nothing to report but that. Down is reported as down
 * on `/health`, but never fails liveness or readiness: the gateway keeps
 * answering without its cache.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly redis: RedisConnection,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(): HealthIndicatorResult {
    const session = this.indicators.check('redis');
    if (this.redis.client === undefined) {
      return session.up({ mode: 'memory only' });
    }
    return this.redis.isUp
      ? session.up({ mode: 'shared' })
      : session.down({ mode: 'shared', connection: this.redis.client.status });
  }
}
