import { Injectable } from '@nestjs/common';
import { Metrics } from '@app/observability';
import { RedisConnection } from './redis-connection.js';

/** Shows at `/metrics` whether Redis answers (`redis_up`), for an app that has REDIS_URL: an outage to alert on. */
@Injectable()
export class RedisUpGauge {
  constructor(redis: RedisConnection, metrics: Metrics) {
    if (redis.client !== undefined) {
      metrics.watchRedis(() => redis.isAnswering);
    }
  }
}
