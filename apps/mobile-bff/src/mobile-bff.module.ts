import { Module, type DynamicModule } from '@nestjs/common';
import { AdminModule } from '@app/admin';
import { AggregationModule } from '@app/aggregation';
import { AuthModule, Public } from '@app/auth';
import { CachingModule } from '@app/caching';
import { ConfigModule, type AppConfig } from '@app/config';
import { HealthController, HealthModule } from '@app/health';
import { MetricsController, MetricsModule } from '@app/observability';
import { PassThroughModule } from '@app/pass-through';
import { ThrottlingModule } from '@app/throttling';
import { SkipThrottle } from '@nestjs/throttler';
import { ServiceClientsModule } from '@app/service-clients';
import { MobileOrdersController } from './orders/orders.controller.js';
import { ProfileController } from './profile/profile.controller.js';

// Orchestrators probe health and Prometheus scrapes metrics without a token, and neither may be throttled.
for (const operatorRoutes of [HealthController, MetricsController]) {
  Public()(operatorRoutes);
  SkipThrottle({ burst: true, sustained: true })(operatorRoutes);
}

@Module({})
export class MobileBffModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: MobileBffModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        AuthModule,
        ThrottlingModule.forRoot('mobile'),
        CachingModule,
        AggregationModule.forRoot({ defaultDeadlineMs: config.http.aggregateDeadlineMs }),
        ServiceClientsModule,
        HealthModule,
        AdminModule,
        PassThroughModule.forRoutes(config.passThrough.filter((route) => route.app === 'mobile')),
      ],
      controllers: [ProfileController, MobileOrdersController],
    };
  }
}
