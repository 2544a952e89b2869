import { Inject, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AGGREGATION_OPTIONS, type AggregationOptions } from './request-deadline.js';
import { sayResponseCompleteness } from './response-completeness.hook.js';

/**
 * Gives every route its request deadline (through `@RequestDeadline()`) and
 * every aggregate its `X-Response-Complete` header. Global: the deadline's pipe is
 * made in each controller's own module and needs the options there.
 */
@Module({})
export class AggregationModule implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  static forRoot(options: AggregationOptions): DynamicModule {
    return {
      module: AggregationModule,
      global: true,
      providers: [{ provide: AGGREGATION_OPTIONS, useValue: options }],
      exports: [AGGREGATION_OPTIONS],
    };
  }

  /** Before the app is ready: Fastify takes no hooks after that. */
  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter?.getType() === 'fastify') {
      sayResponseCompleteness(adapter.getInstance<FastifyInstance>());
    }
  }
}
