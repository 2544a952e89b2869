import {
  Inject,
  Injectable,
  SetMetadata,
  createParamDecorator,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Metrics, requestContextOf } from '@app/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import type { Observable } from 'rxjs';
import { Deadline } from './deadline.js';
import { countSections } from './section-metrics.js';

export const AGGREGATION_OPTIONS = Symbol('AGGREGATION_OPTIONS');

export interface AggregationOptions {
  /** Budget of a route that does not declare its own with {@link DeadlineMs}. */
  defaultDeadlineMs: number;
}

const DEADLINE_MS = 'aggregation:deadline-ms';

/** Overrides the request deadline of one route or controller. */
export const DeadlineMs = (ms: number): MethodDecorator & ClassDecorator => SetMetadata(DEADLINE_MS, ms);

const deadlines = new WeakMap<FastifyRequest, Deadline>();

/**
 * Starts each request's deadline, counted from the request's arrival rather
 * than from here, so time spent in auth and throttling is part of the budget;
 * cancels it when the client disconnects before the answer is sent. The
 * deadline reports each aggregate settled under it to the section metrics.
 */
@Injectable()
export class DeadlineInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AGGREGATION_OPTIONS) private readonly options: AggregationOptions,
    private readonly metrics: Metrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const budget =
      this.reflector.getAllAndOverride<number | undefined>(DEADLINE_MS, [
        context.getHandler(),
        context.getClass(),
      ]) ?? this.options.defaultDeadlineMs;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const requestContext = requestContextOf(request);
    const deadline = new Deadline(
      (requestContext?.receivedAt ?? performance.now()) + budget,
      (meta) => countSections(this.metrics, meta),
      requestContext?.span,
      requestContext,
    );
    deadlines.set(request, deadline);
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) {
        deadline.dispose();
      } else {
        deadline.cancel();
      }
    });
    return next.handle();
  }
}

/** The current request's {@link Deadline}, for a controller to hand to `aggregate()`. */
export const RequestDeadline = createParamDecorator((_data: unknown, context: ExecutionContext): Deadline => {
  const deadline = deadlines.get(context.switchToHttp().getRequest<FastifyRequest>());
  if (deadline === undefined) {
    throw new Error('RequestDeadline needs the DeadlineInterceptor: import AggregationModule');
  }
  return deadline;
});
