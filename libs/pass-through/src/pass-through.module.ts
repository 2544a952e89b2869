import { Module, type DynamicModule } from '@nestjs/common';
import type { PassThroughRoute } from '@app/config';
import { CachingModule } from '@app/caching';
import { ServiceClientsModule } from '@app/service-clients';
import { passThroughController } from './pass-through.controller.js';

/**
 * One relaying controller per prefix of an app's pass-through routes:
 * entries that share a prefix, each with its own methods, share one, since
 * two controllers on one path would each claim every method of it and
 * Fastify would refuse the second at start.
 */
@Module({})
export class PassThroughModule {
  static forRoutes(routes: readonly PassThroughRoute[]): DynamicModule {
    const byPrefix = new Map<string, [PassThroughRoute, ...PassThroughRoute[]]>();
    for (const route of routes) {
      const key = `${route.app} ${route.prefix}`;
      const shared = byPrefix.get(key);
      if (shared === undefined) {
        byPrefix.set(key, [route]);
      } else {
        shared.push(route);
      }
    }
    return {
      module: PassThroughModule,
      imports: [ServiceClientsModule, CachingModule],
      controllers: [...byPrefix.values()].map(passThroughController),
    };
  }
}
