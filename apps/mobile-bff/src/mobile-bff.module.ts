import { Module, type DynamicModule } from '@nestjs/common';
import { AdminModule } from '@app/admin';
import { AggregationModule } from '@app/aggregation';
import { AuthModule, Public } from '@app/auth';
import { CachingModule } from '@app/caching';
import { ConfigModule, type AppConfig } from '@app/config';
import { HealthController, HealthModule } from '@app/health';
import { ServiceClientsModule } from '@app/service-clients';
import { ProfileController } from './profile/profile.controller.js';

// Orchestrators probe health without a token.
Public()(HealthController);

@Module({})
export class MobileBffModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: MobileBffModule,
      imports: [
        ConfigModule.forRoot(config),
        AuthModule,
        CachingModule,
        AggregationModule.forRoot({ defaultDeadlineMs: config.http.aggregateDeadlineMs }),
        ServiceClientsModule,
        HealthModule,
        AdminModule,
      ],
      controllers: [ProfileController],
    };
  }
}
