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

  async check(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('redis');
    const client = this.redis.client;
    if (client === undefined) {
      return session.up({ mode: 'memory only' });
    }
    // Asked, not inferred from the connection: an open connection to a stalled Redis looks ready.
    return this.redis.isUp && (await this.redis.answers())
      ? session.up({ mode: 'shared' })
      : session.down({
          mode: 'shared',
          connection: client.status,
          ...(this.redis.refusedDatabase
            ? { reason: 'REDIS_URL names a database this Redis does not have' }
            : {}),
        });
  }
}
