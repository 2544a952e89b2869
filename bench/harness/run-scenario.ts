import { checkSamples } from './answer-check.js';
import type { Fleet, Gateway, Target } from './fleet.js';
import { drive, type Sample } from './load.js';
import { readFileSync } from 'node:fs';
import { cpuMs, isRunning, rssMiB } from './proc-stats.js';
import { redisCpuMs } from './redis-cpu.js';
import { Redis } from 'ioredis';
import type { Scenario, Settings } from './scenarios.js';
import { summarize, type Round, type ScenarioFigures } from './summary.js';
import { FreshUsers, type UserPool, type UserSource } from './users.js';

type Upstreams = Fleet['upstreams'];

/** The warm-up's slices, short enough to follow a rate that climbs as the JIT warms. */
const WARM_UP_SLICE_S = 0.5;

/** Sets every demo service's added latency (0 turns it off) through its `/__faults` knob. */
export async function setUpstreamLatency(
  upstreams: Upstreams,
  latencyMs: Scenario['upstreamLatencyMs'],
): Promise<void> {
  await Promise.all(
    (['user', 'order', 'preference'] as const).map(async (service) => {
      const response = await fetch(`${upstreams[service]}/__faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs: latencyMs?.[service] ?? 0 }),
      });
      if (!response.ok) {
        throw new Error(`the ${service} service refused its latency knob: ${response.status}`);
      }
    }),
  );
}

/** Data requests the demo services have taken so far, all three together. */
async function upstreamRequests(upstreams: Upstreams): Promise<number> {
  const counts = await Promise.all(
    Object.values(upstreams).map(
      async (url) => ((await (await fetch(`${url}/__stats`)).json()) as { requests: number }).requests,
    ),
  );
  return counts.reduce((total, count) => total + count, 0);
}

/** A gateway that died under load ends the run: its figures would mean nothing. */
export class GatewayDiedError extends Error {
  constructor(gateway: Gateway, during: string) {
    const log = readFileSync(gateway.logFile, 'utf8');
    super(
      `${gateway.name} (pid ${gateway.pid}) died during ${during}. The end of its log (${gateway.logFile}):\n${log.slice(-3000)}`,
    );
  }
}

function assertRunning(gateway: Gateway, during: string): void {
  if (!isRunning(gateway.pid)) {
    throw new GatewayDiedError(gateway, during);
  }
}

export interface ScenarioContext {
  fleet: Fleet;
  settings: Settings;
  runId: string;
  pool: UserPool;
  log: (line: string) => void;
}

/**
 * One scenario: a warm-up of each target, then rounds that take the
 * targets in turn (A B C, C B A, ...), so whatever else the machine does
 * falls on all of them alike. Around each round the gateway's CPU time and the
 * upstreams' request counts are read, and for the Redis flavour the Redis
 * server's CPU time; after the last, the sampled answers are checked.
 */
export async function runScenario(scenario: Scenario, context: ScenarioContext): Promise<ScenarioFigures> {
  const { fleet, settings } = context;
  const targets = [
    fleet.targets[scenario.baseline],
    fleet.targets.product,
    fleet.targets['product-redis'],
  ].filter((target): target is Target => target !== undefined);
  const gatewayOf = (target: Target): Gateway => (scenario.app === 'mobile' ? target.mobile : target.web);
  const connections =
    scenario.load === 'throughput' ? settings.throughputConnections : settings.latencyConnections;
  const fresh =
    scenario.users === 'fresh' ? new FreshUsers(`bench-${context.runId}-${scenario.id}`) : undefined;
  const users: UserSource = fresh ?? context.pool;
  const load = (target: Target, amount: number, sampleEvery = 1, maxSamples = 0) => {
    // Signed ahead; the few extra cover the request each connection prepares when it opens.
    fresh?.prepare(amount + 2 * connections);
    return drive({
      url: gatewayOf(target).url,
      path: scenario.path,
      kind: scenario.kind,
      users,
      connections,
      amount,
      sampleEvery,
      maxSamples,
    });
  };
  const rpsOf = (result: { requests: number; durationS: number }): number =>
    result.requests / result.durationS;
  /** Enough requests for about `seconds` at the last measured rate, and a few per connection at least. */
  const amountFor = (rps: number, seconds: number): number =>
    Math.max(4 * connections, Math.round(rps * seconds));

  /*
   * `settings.warmupS` of load, and under throughput load at least
   * `settings.warmupRequests` requests (within `settings.warmupMaxS`), in
   * short slices each sized at the rate the last one reached; the last
   * slice's rate sizes the first round. Sized at a cold start's rate in one
   * go, the warm-up was over in a fraction of its time for the target whose
   * JIT warms slower, and its first rounds then paid for the rest of the
   * JIT's work; bounded by seconds alone, it left that target colder on a
   * slower machine (the product's miss rounds rose from 660 to 1,038 req/s
   * after a 3 s warm-up of 1,800 requests).
   */
  const warmUp = async (target: Target): Promise<number> => {
    const started = performance.now();
    const first = await load(target, 2 * connections);
    let rps = rpsOf(first);
    let answered = first.requests;
    const minRequests = scenario.load === 'throughput' ? settings.warmupRequests : 0;
    const elapsedS = (): number => (performance.now() - started) / 1000;
    const warm = (): boolean =>
      elapsedS() >= settings.warmupMaxS || (elapsedS() >= settings.warmupS && answered >= minRequests);
    while (!warm()) {
      const sliceS = Math.min(WARM_UP_SLICE_S, settings.warmupMaxS - elapsedS());
      const slice = await load(target, amountFor(rps, sliceS));
      rps = rpsOf(slice);
      answered += slice.requests;
    }
    return rps;
  };

  const rounds = new Map<Target, Round[]>(targets.map((target) => [target, []]));
  const redis = fleet.redis === undefined ? undefined : new Redis(fleet.redis.url);
  const redisCpuOf = (target: Target): Promise<number> | undefined =>
    redis === undefined || target.id !== 'product-redis' ? undefined : redisCpuMs(redis);
  const samples = new Map<Target, Sample[]>(targets.map((target) => [target, []]));
  await setUpstreamLatency(fleet.upstreams, scenario.upstreamLatencyMs);
  try {
    const lastRps = new Map<Target, number>();
    for (const target of targets) {
      if (scenario.users === 'pool') {
        // Every user of the pool once (and a few twice), so that measuring starts on hits only.
        await load(target, context.pool.users.length + 2 * connections);
      }
      const warmRps = await warmUp(target);
      assertRunning(gatewayOf(target), `the warm-up of ${scenario.id}`);
      lastRps.set(target, warmRps);
      context.log(`  warm-up ${target.label}: ${Math.round(warmRps)} req/s`);
    }

    for (let round = 1; round <= settings.rounds; round += 1) {
      // A B C, then C B A: whatever one target's round leaves behind (the demo services' collector, Redis's
      // background work) falls on each target's round in turn, as does a drift within the round.
      for (const target of round % 2 === 1 ? targets : [...targets].reverse()) {
        const amount = amountFor(lastRps.get(target) ?? 0, settings.roundS);
        const gateway = gatewayOf(target);
        assertRunning(gateway, `round ${round} of ${scenario.id}`);
        const callsBefore = await upstreamRequests(fleet.upstreams);
        const redisBefore = await redisCpuOf(target);
        const cpuBefore = cpuMs(gateway.pid);
        const result = await load(
          target,
          amount,
          Math.max(1, Math.floor(amount / settings.samplesPerRound)),
          settings.samplesPerRound,
        );
        assertRunning(gateway, `round ${round} of ${scenario.id}`);
        const cpuAfter = cpuMs(gateway.pid);
        const redisAfter = await redisCpuOf(target);
        const callsAfter = await upstreamRequests(fleet.upstreams);
        rounds.get(target)?.push({
          ...result,
          cpuMs: cpuAfter - cpuBefore,
          upstreamCalls: callsAfter - callsBefore,
          redisCpuMs:
            redisBefore === undefined || redisAfter === undefined ? undefined : redisAfter - redisBefore,
        });
        samples.get(target)?.push(...result.samples, ...result.failures);
        lastRps.set(target, rpsOf(result));
        context.log(
          `  round ${round} ${target.label}: ${Math.round(rpsOf(result))} req/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
        );
        const [failure] = result.failures;
        if (failure !== undefined) {
          context.log(
            `    first failed answer (${failure.sub}): ${failure.status} ${failure.body.slice(0, 300)}`,
          );
        }
      }
    }
  } finally {
    redis?.disconnect();
    await setUpstreamLatency(fleet.upstreams, undefined);
  }

  const figures = await Promise.all(
    targets.map(async (target) =>
      summarize(
        target,
        rounds.get(target) ?? [],
        rssMiB(gatewayOf(target).pid),
        await checkSamples(
          scenario.kind,
          (samples.get(target) ?? []).filter((sample) => sample.status === 200),
          fleet.upstreams,
        ),
      ),
    ),
  );
  const [baseline, ...products] = figures;
  return { scenario, connections, baseline, products };
}
