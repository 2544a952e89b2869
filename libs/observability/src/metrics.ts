import { Injectable } from '@nestjs/common';
import { SERVICE_NAMES, type ServiceName } from '@app/config';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { TalliedHistogram } from './tallied-histogram.js';

/** How one attempt on one upstream instance ended. */
export type UpstreamOutcome =
  | 'ok'
  | 'not_found'
  | 'timeout'
  | 'unavailable'
  | 'bad_response'
  | 'cancelled'
  | 'failed_fast'
  /** The gateway could not build or send the request: no verdict on the upstream. */
  | 'gateway_error';

export type BreakerState = 'closed' | 'open' | 'half-open';
const REFUSAL_REASONS = ['breaker_open', 'paused', 'at_capacity'] as const;
/** Why a call was refused before any attempt: an open breaker, a pause the service asked for, a full bulkhead. */
export type RefusalReason = (typeof REFUSAL_REASONS)[number];
export type CacheLayer = 'resource' | 'response';
export type CacheEvent = 'hit' | 'miss' | 'stale';
const TRACKER_KINDS = ['user', 'consumer', 'ip'] as const;
export type TrackerKind = (typeof TRACKER_KINDS)[number];

/** What each cache layer's lookups can find: only the resource cache serves stale data. */
const CACHE_EVENTS: ReadonlyArray<readonly [CacheLayer, CacheEvent]> = [
  ['resource', 'hit'],
  ['resource', 'miss'],
  ['resource', 'stale'],
  ['response', 'hit'],
  ['response', 'miss'],
];
export type AggregateSectionStatus = 'ok' | 'stale' | 'fallback' | 'timeout' | 'error';

/*
 * prom-client's default gauges that end in `_total`, a suffix that promtool
 * reserves for counters (https://github.com/prometheus/client_js/issues/283).
 * Each is the sum of a per-type gauge that stays (`nodejs_active_handles{type}`
 * and so on): `sum without (type) (nodejs_active_handles)` gives it back.
 */
const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** The gauge's values, as the dashboard reads them. */
const BREAKER_STATE_VALUES: Record<BreakerState, number> = { closed: 0, open: 1, 'half-open': 2 };

/** A gateway answers in milliseconds when it serves from cache and gives up within seconds: 5 ms to 5 s. */
const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Stale data is served from just past its freshness up to a day later (CACHE_STALE_IF_ERROR_S). */
const STALE_AGE_BUCKETS_S = [1, 5, 15, 30, 60, 300, 900, 3600, 21_600, 86_400];

/*
 * Counts bumped several times per request (cache lookups, aggregate
 * sections) are kept as plain numbers and handed to prom-client when
 * `/metrics` is read, through its `collect` hook: a labelled `inc()`
 * validates its labels and builds a key string from them every time, seven
 * times per cache miss. The exposition is the same; only when the adding
 * happens moves. The labels are words from our own code, whose strings
 * already carry their hash, so a bump allocates nothing.
 */
class Tally<A extends string, B extends string> {
  private readonly totals = new Map<A, Map<B, number>>();

  /** `known`: the label pairs shown at 0 before their first count. */
  constructor(
    private readonly labelNames: readonly [string, string],
    known: ReadonlyArray<readonly [A, B]> = [],
  ) {
    for (const [a, b] of known) {
      this.totals.set(a, (this.totals.get(a) ?? new Map<B, number>()).set(b, 0));
    }
  }

  add(a: A, b: B): void {
    let byB = this.totals.get(a);
    if (byB === undefined) {
      byB = new Map();
      this.totals.set(a, byB);
    }
    byB.set(b, (byB.get(b) ?? 0) + 1);
  }

  /** Sets `counter` to the totals so far; they only grow, so the counter stays monotonic. */
  publishTo(counter: Counter): void {
    counter.reset();
    const [nameA, nameB] = this.labelNames;
    for (const [a, byB] of this.totals) {
      for (const [b, total] of byB) {
        counter.inc({ [nameA]: a, [nameB]: b }, total);
      }
    }
  }
}

/**
 * Every metric a BFF exposes at `/metrics`, in a registry of its own: the
 * launcher runs both BFFs in one process, and prom-client's global registry
 * would make the second app's metrics collide with the first's. Labels take
 * only bounded values chosen by the gateway (route patterns, service and
 * section names, enumerated outcomes), never a user id, key or raw URL.
 */
@Injectable()
export class Metrics {
  private readonly registry = new Registry();

  private readonly httpDuration = new TalliedHistogram<string, string, number>(
    'http_request_duration_seconds',
    'Time from the request arriving to the answer sent, by route pattern, method and status.',
    ['route', 'method', 'status_code'],
    LATENCY_BUCKETS_S,
  );

  private readonly upstreamDuration = new TalliedHistogram<ServiceName, string, UpstreamOutcome>(
    'upstream_request_duration_seconds',
    'Time of one attempt on one upstream instance (host:port), by outcome.',
    // Not `instance`: Prometheus gives every scraped series that label, naming the gateway's own pod.
    ['service', 'upstream_instance', 'outcome'],
    LATENCY_BUCKETS_S,
  );

  private readonly breakerState = new Gauge<'service'>({
    name: 'circuit_breaker_state',
    help: "State of a service's circuit breaker: 0 closed, 1 open, 2 half-open.",
    labelNames: ['service'],
    registers: [this.registry],
  });

  private readonly refusedCalls = new Counter<'service' | 'reason'>({
    name: 'upstream_calls_refused_total',
    help: 'Calls to a service refused before any attempt, by reason (breaker_open, paused, at_capacity).',
    labelNames: ['service', 'reason'],
    registers: [this.registry],
  });

  private readonly cacheEvents = new Tally<CacheLayer, CacheEvent>(['layer', 'event'], CACHE_EVENTS);

  private readonly sections = new Tally<string, AggregateSectionStatus>(['section', 'status']);

  private readonly throttled = new Counter<'tracker_kind'>({
    name: 'throttled_requests_total',
    help: 'Requests refused with 429, by the kind of caller counted (user, consumer, ip).',
    labelNames: ['tracker_kind'],
    registers: [this.registry],
  });

  private readonly staleAge = new Histogram<'section'>({
    name: 'aggregate_stale_age_seconds',
    help: 'Age of the data served in a stale aggregate section.',
    labelNames: ['section'],
    buckets: STALE_AGE_BUCKETS_S,
    registers: [this.registry],
  });

  constructor() {
    // A counter's series appears at its first count, which increase() and rate() then miss: the first
    // breaker refusals or 429s after every start went unseen. Each fixed label set starts at 0.
    for (const service of SERVICE_NAMES) {
      for (const reason of REFUSAL_REASONS) {
        this.refusedCalls.inc({ service, reason }, 0);
      }
    }
    for (const trackerKind of TRACKER_KINDS) {
      this.throttled.inc({ tracker_kind: trackerKind }, 0);
    }
    // The registry reads a metric through its name, help, type and get() alone (see TalliedHistogram).
    this.registry.registerMetric(this.httpDuration as unknown as Metric);
    this.registry.registerMetric(this.upstreamDuration as unknown as Metric);
    const { cacheEvents, sections } = this;
    // Held by the registry, which calls `collect` on every read of `/metrics`.
    new Counter({
      name: 'cache_events_total',
      help: 'Cache lookups by layer (resource, response) and what they found (hit, miss, stale).',
      labelNames: ['layer', 'event'],
      registers: [this.registry],
      collect() {
        cacheEvents.publishTo(this);
      },
    });
    new Counter({
      name: 'aggregate_sections_total',
      help: 'Aggregate sections settled, by section and status (ok, stale, fallback, timeout, error).',
      labelNames: ['section', 'status'],
      registers: [this.registry],
      collect() {
        sections.publishTo(this);
      },
    });
    // Process CPU, memory, handles, GC and event-loop lag. In the one-process launcher both apps report the same process.
    collectDefaultMetrics({ register: this.registry });
    for (const name of MISNAMED_DEFAULT_GAUGES) {
      this.registry.removeSingleMetric(name);
    }
  }

  /**
   * Adds `redis_up` for an app that shares its state through Redis, read
   * from `isAnswering` on each scrape: no request pays for it, and it is
   * never a scrape behind. Call once, and only with Redis configured:
   * without it there is nothing to be down.
   */
  watchRedis(isAnswering: () => boolean): void {
    // Held by the registry, which calls `collect` on every read of `/metrics`.
    new Gauge({
      name: 'redis_up',
      help: 'Whether the shared Redis answers this instance: 1 yes, 0 no (the gateway goes on without it).',
      registers: [this.registry],
      collect() {
        this.set(isAnswering() ? 1 : 0);
      },
    });
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  recordHttpRequest(route: string, method: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe(route, method, statusCode, seconds);
  }

  recordUpstreamAttempt(
    service: ServiceName,
    upstreamInstance: string,
    outcome: UpstreamOutcome,
    seconds: number,
  ): void {
    this.upstreamDuration.observe(service, upstreamInstance, outcome, seconds);
  }

  countRefusedCall(service: ServiceName, reason: RefusalReason): void {
    this.refusedCalls.inc({ service, reason });
  }

  setBreakerState(service: ServiceName, state: BreakerState): void {
    this.breakerState.set({ service }, BREAKER_STATE_VALUES[state]);
  }

  countCacheEvent(layer: CacheLayer, event: CacheEvent): void {
    this.cacheEvents.add(layer, event);
  }

  countThrottled(trackerKind: TrackerKind): void {
    this.throttled.inc({ tracker_kind: trackerKind });
  }

  /** One settled section; a stale one also tells how old its data was. */
  countSection(section: string, status: AggregateSectionStatus, ageMs?: number): void {
    this.sections.add(section, status);
    if (status === 'stale' && ageMs !== undefined) {
      this.staleAge.observe({ section }, ageMs / 1000);
    }
  }
}
