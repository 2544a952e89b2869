import { Global, Module } from '@nestjs/common';
import { CacheModule } from '@nestjs/cache-manager';
import { MetricsModule } from '@app/observability';
import { RedisModule } from '@app/redis';
import { CacheInvalidator } from './cache-invalidator.js';
import { CacheLayers } from './cache-layers.js';
import { CacheLayersModule } from './cache-layers.module.js';
import { IdempotentReplay } from './idempotent-replay.js';
import { ResourceCache } from './resource-cache.js';

/**
 * cache-manager (through @nestjs/cache-manager) over the memory and Redis
 * layers, and what the gateway builds on it: the resource cache of the
 * service clients, the per-caller response cache and invalidation.
 */
@Global()
@Module({
  imports: [
    MetricsModule,
    RedisModule,
    CacheLayersModule,
    CacheModule.registerAsync({
      imports: [CacheLayersModule],
      inject: [CacheLayers],
      useFactory: (layers: CacheLayers) => ({ stores: layers.stores }),
    }),
  ],
  providers: [CacheInvalidator, IdempotentReplay, ResourceCache],
  exports: [CacheInvalidator, IdempotentReplay, ResourceCache],
})
export class CachingModule {}
