import { Module } from '@nestjs/common';
import { RedisModule } from '@app/redis';
import { CacheLayers } from './cache-layers.js';

/** The stores, in a module of their own so cache-manager's factory can be handed them. */
@Module({
  imports: [RedisModule],
  providers: [CacheLayers],
  exports: [CacheLayers],
})
export class CacheLayersModule {}
