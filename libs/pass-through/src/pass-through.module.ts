import { Module, type DynamicModule } from '@nestjs/common';
import type { PassThroughRoute } from '@app/config';
import { CachingModule } from '@app/caching';
import { ServiceClientsModule } from '@app/service-clients';
import { passThroughController } from './pass-through.controller.js';

/** One relaying controller per configured pass-through route of an app. */
@Module({})
export class PassThroughModule {
  static forRoutes(routes: readonly PassThroughRoute[]): DynamicModule {
    return {
      module: PassThroughModule,
      imports: [ServiceClientsModule, CachingModule],
      controllers: routes.map(passThroughController),
    };
  }
}
