import { Global, Module } from '@nestjs/common';
import { MetricsModule } from '@app/observability';
import { RedisConnection } from './redis-connection.js';
import { RedisUpGauge } from './redis-up.gauge.js';

/** The one Redis connection pair of an app, for the cache, the throttler and anything else that shares state. */
@Global()
@Module({
  imports: [MetricsModule],
  providers: [RedisConnection, RedisUpGauge],
  exports: [RedisConnection],
})
export class RedisModule {}
