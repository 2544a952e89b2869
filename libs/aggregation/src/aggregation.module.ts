import { Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { MetricsModule } from '@app/observability';
import { AGGREGATION_OPTIONS, DeadlineInterceptor, type AggregationOptions } from './deadline.interceptor.js';
import { ResponseCompletenessInterceptor } from './response-completeness.interceptor.js';

/** Gives every route a request deadline and every aggregate its `X-Response-Complete` header. */
@Module({})
export class AggregationModule {
  static forRoot(options: AggregationOptions): DynamicModule {
    return {
      module: AggregationModule,
      imports: [MetricsModule],
      providers: [
        { provide: AGGREGATION_OPTIONS, useValue: options },
        { provide: APP_INTERCEPTOR, useClass: DeadlineInterceptor },
        { provide: APP_INTERCEPTOR, useClass: ResponseCompletenessInterceptor },
      ],
    };
  }
}
