import {
  Inject,
  Injectable,
  SetMetadata,
  createParamDecorator,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';
import { Metrics, requestContextOf } from '@app/observability';
import { httpReplyOf, httpRequestOf, perRoute } from '@app/route-metadata';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
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

/** What {@link RequestDeadline} reads off the request, for {@link StartDeadlinePipe} to start its deadline from. */
interface DeadlineRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  /** The route's own budget, the handler's over its controller's. */
  budgetMs: number | undefined;
}

const budgetOf = perRoute(
  (handler, controller) =>
    (Reflect.getMetadata(DEADLINE_MS, handler) ?? Reflect.getMetadata(DEADLINE_MS, controller)) as
      number | undefined,
);

const readDeadlineRequest = createParamDecorator(
  (_data: unknown, context: ExecutionContext): DeadlineRequest => {
    return {
      request: httpRequestOf<FastifyRequest>(context),
      reply: httpReplyOf<FastifyReply>(context),
      budgetMs: budgetOf(context),
    };
  },
);

/** Cancels the deadline when the client goes away before its answer is sent, and frees its timer once it is. */
function watchClient(reply: FastifyReply, deadline: Deadline): void {
  if (reply.raw.closed) {
    // The client left before the work began: nothing made under this deadline should start.
    deadline.cancel();
    return;
  }
  reply.raw.once('close', () => {
    if (reply.raw.writableFinished) {
      deadline.dispose();
    } else {
      deadline.cancel();
    }
  });
}

/**
 * Flags an answer built from cached data past its freshness, for a route
 * that is not an aggregate and so has no `meta` to say it in: the
 * aggregates' own header, and `Age` (RFC 9111: the answer was not made by
 * the origin for this request) in whole seconds. An order that shipped an
 * hour ago must not read "pending" without a sign.
 */
function sayServedStale(reply: FastifyReply, ageMs: number): void {
  if (reply.sent) {
    return;
  }
  const ageS = Math.max(0, Math.floor(ageMs / 1000));
  // Of two stale calls, the answer is as old as its oldest part.
  const previous = Number(reply.getHeader('age'));
  void reply.header('x-response-complete', 'false');
  void reply.header('age', String(Number.isFinite(previous) ? Math.max(previous, ageS) : ageS));
}

/**
 * Starts a request's deadline, counted from the request's arrival (for a
 * request with a body, from the end of its body) rather than from here, so
 * time spent in auth and throttling is part of the budget; cancels it when the client disconnects before the answer is
 * sent, watching from when work first runs under it. The deadline reports
 * each aggregate settled under it to the section metrics, and a call made
 * directly under it that serves stale data flags the answer.
 */
@Injectable()
export class StartDeadlinePipe implements PipeTransform<DeadlineRequest, Deadline> {
  constructor(
    @Inject(AGGREGATION_OPTIONS) private readonly options: AggregationOptions,
    private readonly metrics: Metrics,
  ) {}

  transform({ request, reply, budgetMs }: DeadlineRequest): Deadline {
    const requestContext = requestContextOf(request);
    return new Deadline(
      (requestContext?.bodyReceivedAt ?? requestContext?.receivedAt ?? performance.now()) +
        (budgetMs ?? this.options.defaultDeadlineMs),
      (meta) => countSections(this.metrics, meta),
      requestContext?.span,
      requestContext,
      (deadline) => watchClient(reply, deadline),
      (ageMs) => sayServedStale(reply, ageMs),
    );
  }
}

/**
 * The current request's {@link Deadline}, for a controller to hand to
 * `aggregate()`. A parameter rather than an interceptor: it is made only
 * when the handler runs, and every interceptor on a route adds a chain of
 * rxjs operators to each of its requests (rxjs and Nest's core fell from
 * 8.4% to 6.3% of a cache hit's CPU profile when the two this replaced
 * went).
 */
export const RequestDeadline = (): ParameterDecorator => readDeadlineRequest(undefined, StartDeadlinePipe);
