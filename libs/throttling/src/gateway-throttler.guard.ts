import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  getOptionsToken,
  getStorageToken,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { Metrics } from '@app/observability';
import { ProblemError } from '@app/problem';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayRateLimitStore } from './gateway-rate-limit.store.js';
import { rateLimitHeaders, retryAfterSeconds, type ThrottlerOutcome } from './rate-limit-headers.js';
import { rateLimitKey, RateLimitPolicy, WINDOW_NAMES } from './rate-limit-policy.js';
import { THROTTLE_COST } from './throttle-cost.decorator.js';
import { trackerFor, trackerKindOf } from './tracker.js';

const outcomesOf = new WeakMap<object, ThrottlerOutcome[]>();

/**
 * @nestjs/throttler's guard with the gateway's rules: callers are counted
 * by user, API consumer or address (never per route, so all of a caller's
 * requests share its limits), a route may cost several units, the counts
 * live in the shared store, and the answer carries the IETF RateLimit
 * headers, or a 429 problem with Retry-After.
 */
@Injectable()
export class GatewayThrottlerGuard extends ThrottlerGuard {
  constructor(
    @Inject(getOptionsToken()) options: ThrottlerModuleOptions,
    @Inject(getStorageToken()) storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly store: GatewayRateLimitStore,
    private readonly policy: RateLimitPolicy,
    private readonly metrics: Metrics,
  ) {
    super(options, storage, reflector);
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const fastifyRequest = request as unknown as FastifyRequest & { user?: unknown };
    return Promise.resolve(trackerFor(fastifyRequest.user, fastifyRequest.ip));
  }

  /** Per app, window and caller: all of a caller's requests to one app share its limits, on every instance of that app. */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return rateLimitKey(this.policy.app, throttlerName, tracker);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = props;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const cost =
      this.reflector.getAllAndOverride<number | undefined>(THROTTLE_COST, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 1;
    const tracker = await getTracker(request as unknown as Record<string, unknown>, context);
    const name = throttler.name ?? 'default';
    const counter = await this.store.consume(
      generateKey(context, tracker, name),
      cost,
      ttl,
      limit,
      blockDuration,
    );

    const outcomes = [...(outcomesOf.get(request) ?? []), { name, limit, windowMs: ttl, counter }];
    outcomesOf.set(request, outcomes);
    if (counter.blocked) {
      // Refused here, the caller spends nothing in the windows not yet counted; a block they hold still sets the wait.
      const everyWindow = [...outcomes, ...(await this.windowsNotCounted(outcomes, tracker, request))];
      const retryAfter = retryAfterSeconds(everyWindow);
      this.metrics.countThrottled(trackerKindOf(tracker));
      throw new ProblemError('too-many-requests', `Too many requests; retry in ${retryAfter} s.`, {
        headers: { ...rateLimitHeaders(everyWindow), 'retry-after': String(retryAfter) },
      });
    }
    void context.switchToHttp().getResponse<FastifyReply>().headers(rateLimitHeaders(outcomes));
    return true;
  }

  private async windowsNotCounted(
    counted: readonly ThrottlerOutcome[],
    tracker: string,
    request: FastifyRequest & { user?: { tier?: unknown } },
  ): Promise<ThrottlerOutcome[]> {
    const others = WINDOW_NAMES.filter((window) => !counted.some((outcome) => outcome.name === window));
    const standings = await Promise.all(
      others.map(async (window) => ({
        name: window,
        limit: this.policy.limit(window, request.user?.tier),
        windowMs: this.policy.windowMs(window),
        counter: await this.store.peek(rateLimitKey(this.policy.app, window, tracker)),
      })),
    );
    return standings.flatMap((standing) =>
      standing.counter === undefined ? [] : [{ ...standing, counter: standing.counter }],
    );
  }
}
