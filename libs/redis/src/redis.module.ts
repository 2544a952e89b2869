import { Global, Module } from '@nestjs/common';
import { RedisConnection } from './redis-connection.js';

/** The one Redis connection pair of an app, for the cache, the throttler and anything else that shares state. */
@Global()
@Module({
  providers: [RedisConnection],
  exports: [RedisConnection],
})
export class RedisModule {}
