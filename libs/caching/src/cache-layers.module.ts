import { Module } from '@nestjs/common';
import { CacheLayers } from './cache-layers.js';
import { RedisConnection } from './redis-connection.js';

/** The connections and stores, in a module of their own so cache-manager's factory can be handed them. */
@Module({
  providers: [RedisConnection, CacheLayers],
  exports: [RedisConnection, CacheLayers],
})
export class CacheLayersModule {}
