import { Module, type DynamicModule, type ExecutionContext } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig, type AppName } from '@app/config';
import { MetricsModule } from '@app/observability';
import { httpRequestOf } from '@app/route-metadata';
import type { FastifyRequest } from 'fastify';
import { GatewayRateLimitStore } from './gateway-rate-limit.store.js';
import { GatewayThrottlerGuard } from './gateway-throttler.guard.js';
import { RateLimitInspector } from './rate-limit-inspector.js';
import { RateLimitPolicy, WINDOW_NAMES } from './rate-limit-policy.js';

function callerTier(context: ExecutionContext): unknown {
  return httpRequestOf<FastifyRequest & { user?: { tier?: unknown } }>(context).user?.tier;
}

/**
 * Named limits on every route not marked @SkipThrottle(): a short burst
 * window and a sustained one, counted per caller across every gateway
 * instance (Redis) and spent by each route's cost.
 */
@Module({})
export class ThrottlingModule {
  static forRoot(app: AppName): DynamicModule {
    const policyFor = (config: AppConfig): RateLimitPolicy => new RateLimitPolicy(config, app);
    return {
      module: ThrottlingModule,
      // The admin surface reads the counters through the exported inspector.
      global: true,
      imports: [
        MetricsModule,
        ThrottlerModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => {
            const policy = policyFor(config);
            return {
              throttlers: WINDOW_NAMES.map((window) => ({
                name: window,
                ttl: policy.windowMs(window),
                limit: (context: ExecutionContext) => policy.limit(window, callerTier(context)),
              })),
              skipIf: () => !config.throttle.enabled,
            };
          },
        }),
      ],
      providers: [
        GatewayRateLimitStore,
        { provide: RateLimitPolicy, inject: [APP_CONFIG], useFactory: policyFor },
        {
          provide: RateLimitInspector,
          inject: [RateLimitPolicy, GatewayRateLimitStore],
          useFactory: (policy: RateLimitPolicy, store: GatewayRateLimitStore) =>
            new RateLimitInspector(policy, store),
        },
        { provide: APP_GUARD, useClass: GatewayThrottlerGuard },
      ],
      exports: [RateLimitInspector],
    };
  }
}
