import type { AnswerKind } from './answer-check.js';
import type { TargetId } from './fleet.js';

export type ScenarioId = 'profile-miss' | 'profile-hit' | 'dashboard' | 'upstream-latency';

export interface Scenario {
  id: ScenarioId;
  title: string;
  /** The title in the chart, where space is short. */
  short: string;
  /** One sentence for RESULTS.md: what is sent and what it shows. */
  about: string;
  app: 'mobile' | 'web';
  path: string;
  kind: AnswerKind;
  /** `fresh`: a user never asked for before on every request; `pool`: the same users in turn. */
  users: 'fresh' | 'pool';
  /** The baseline the product is held against. */
  baseline: Extract<TargetId, 'baseline' | 'baseline-cached'>;
  load: 'throughput' | 'latency';
  /** Added latency per demo service, ms; none when absent. */
  upstreamLatencyMs?: { user: number; order: number; preference: number };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'profile-miss',
    title: 'GET /mobile/profile, cache miss',
    short: 'profile, cache miss',
    about: 'A new user on every request, so every request verifies a token and makes three upstream calls',
    app: 'mobile',
    path: '/mobile/profile',
    kind: 'profile',
    users: 'fresh',
    baseline: 'baseline',
    load: 'throughput',
  },
  {
    id: 'profile-hit',
    title: 'GET /mobile/profile, cache hit',
    short: 'profile, cache hit',
    about:
      'A pool of 1,000 users asked in turn, every one loaded before measuring; held against the baseline with its in-memory cache',
    app: 'mobile',
    path: '/mobile/profile',
    kind: 'profile',
    users: 'pool',
    baseline: 'baseline-cached',
    load: 'throughput',
  },
  {
    id: 'dashboard',
    title: 'GET /web/dashboard, cache miss',
    short: 'dashboard, cache miss',
    about: 'A new user on every request; a first page of 20 orders, so a larger answer than the profile',
    app: 'web',
    path: '/web/dashboard',
    kind: 'dashboard',
    users: 'fresh',
    baseline: 'baseline',
    load: 'throughput',
  },
  {
    id: 'upstream-latency',
    title: 'GET /mobile/profile, upstreams at 20/30/50 ms',
    short: 'profile, upstreams 20/30/50 ms',
    about:
      'User service 20 ms, order service 30 ms, preference service 50 ms, a new user on every request at low concurrency: a parallel fan-out answers in about 50 ms, a serial one in 100',
    app: 'mobile',
    path: '/mobile/profile',
    kind: 'profile',
    users: 'fresh',
    baseline: 'baseline',
    load: 'latency',
    upstreamLatencyMs: { user: 20, order: 30, preference: 50 },
  },
];

/**
 * The product's JIT settles after some 3,500 cache misses (CPU per request
 * measured every 500 from a cold start: 1,660 µs, then 960, 980, 680, 560,
 * 560, 480), the baseline's after about 2,000; measure:compare warms up as
 * many.
 */
export const MIN_WARM_UP_REQUESTS = 4_000;

export interface Settings {
  mode: 'default' | 'short';
  warmupS: number;
  /**
   * Under throughput load, the warm-up goes on past `warmupS` until each
   * target has answered this many requests, for at most `warmupMaxS`: a JIT
   * warms per request, not per second, so on a slower machine the same
   * seconds leave the slower target colder.
   */
  warmupRequests: number;
  /** At least `warmupS`. */
  warmupMaxS: number;
  rounds: number;
  roundS: number;
  /** Enough connections to keep a 2-core machine busy: throughput is measured at saturation. */
  throughputConnections: number;
  /** Few enough that nothing queues: latency is measured on an idle path. */
  latencyConnections: number;
  poolSize: number;
  samplesPerRound: number;
}

/** About 3 minutes of load by default; `--short` for a quick check in about 40 s. */
export function settingsFor(short: boolean): Settings {
  return short
    ? {
        mode: 'short',
        warmupS: 0.5,
        warmupRequests: 0,
        warmupMaxS: 0.5,
        rounds: 2,
        roundS: 1,
        throughputConnections: 32,
        latencyConnections: 8,
        poolSize: 1000,
        samplesPerRound: 3,
      }
    : {
        mode: 'default',
        warmupS: 3,
        warmupRequests: MIN_WARM_UP_REQUESTS,
        // Bounds the run: the dashboard's product answers some 400 a second on a slow machine.
        warmupMaxS: 8,
        // Short rounds, many: the targets take turns every few seconds, so a machine whose speed drifts within
        // a minute (seen: the baseline at 3,831, 4,713 and 5,365 req/s in three 3 s rounds) weighs on them alike.
        rounds: 5,
        roundS: 1.8,
        throughputConnections: 32,
        latencyConnections: 8,
        poolSize: 1000,
        samplesPerRound: 5,
      };
}
