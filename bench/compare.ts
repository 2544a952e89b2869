import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Child } from './harness/child.js';
import {
  LOG_DIR,
  PRODUCT_ENV,
  startBaseline,
  startDemo,
  startProductApp,
  upstreamEnv,
  upstreamUrls,
} from './harness/fleet.js';
import { drive } from './harness/load.js';
import { describeWarnings, loggedWarnings } from './harness/logged-warnings.js';
import { setUpstreamLatency } from './harness/run-scenario.js';
import { MIN_WARM_UP_REQUESTS, SCENARIOS, settingsFor } from './harness/scenarios.js';
import { countOption, optionValue, runEnv } from './harness/measure-options.js';
import { cpuTimesMs, rssMiB } from './harness/proc-stats.js';
import { redisCpuMs } from './harness/redis-cpu.js';
import { Redis } from 'ioredis';
import { median, percentile } from './harness/summary.js';
import { FreshUsers, UserPool, type UserSource } from './harness/users.js';

/*
 * Builds or settings held against each other in one run: each target is
 * the baseline or a `dist` directory of the product, with environment
 * settings of its own, and the targets take turns round by round (A B C,
 * then C B A), so the machine's drift, which reaches 20% within a minute
 * here, weighs on them alike. Prints per target the process CPU per
 * request (user and kernel), the median of the rounds' CPU, req/s and
 * every round's figures: what RESULTS.md's "alternating rounds" are. A
 * target on Redis also gets the Redis server's CPU per request over its
 * rounds (targets take turns, so Redis works for one at a time), and what
 * the demo services and this runner (autocannon) spent per request beside
 * it (`demo`, `load`): on two shared cores, a target whose calls or
 * answers cost them more gets fewer req/s for CPU it did not spend itself.
 *
 * `npm run measure:compare -- [--scenario=miss|hit|dashboard|latency] [--rounds=8]
 * [--requests=5000] [--connections=32] NAME=TARGET[,VAR=VALUE...] ...`
 * where TARGET is `baseline` or a path to a copy of `dist`, e.g.
 * `before=/tmp/dist-before after=dist nocache=dist,CACHE_ENABLED=false`.
 * A target given `REDIS_URL` gets a key prefix of this run's own, whose
 * keys are deleted at the end.
 */

type ScenarioName = 'miss' | 'hit' | 'dashboard' | 'latency';

interface TargetSpec {
  name: string;
  /** A `dist` directory of the product, or undefined for the baseline. */
  dist: string | undefined;
  env: Record<string, string>;
}

interface Options {
  scenario: ScenarioName;
  rounds: number;
  requests: number;
  connections: number;
  targets: TargetSpec[];
}

/** One round of one target: its req/s, CPU µs per request (its own, and the Redis server's if it has one) and p50 latency. */
interface RoundFigures {
  rps: number;
  cpuUs: number;
  redisCpuUs: number;
  p50Ms: number;
}

interface Tally {
  spec: TargetSpec;
  child: Child;
  url: string;
  requests: number;
  seconds: number;
  userMs: number;
  systemMs: number;
  /** The connection that asks the Redis server for its CPU time; none without Redis. */
  redis: Redis | undefined;
  redisCpuMs: number;
  /** The demo services' and this runner's (the load generator's) CPU while this target was measured. */
  demoCpuMs: number;
  loadCpuMs: number;
  rounds: RoundFigures[];
}

const POOL_SIZE = 1_000;

/** `--scenario=latency` is the benchmark's own: its upstreams' added latency, at its connections. */
const UPSTREAM_LATENCY_MS = SCENARIOS.find(({ id }) => id === 'upstream-latency')?.upstreamLatencyMs;
const LATENCY_CONNECTIONS = settingsFor(false).latencyConnections;

function targetSpec(arg: string): TargetSpec {
  const [name, rest] = [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)];
  const [target, ...settings] = rest.split(',');
  if (arg.indexOf('=') < 1 || target === '') {
    throw new Error(`a target is NAME=TARGET[,VAR=VALUE...], got ${arg}`);
  }
  const env: Record<string, string> = {};
  for (const setting of settings) {
    const at = setting.indexOf('=');
    if (at < 1) {
      throw new Error(`a setting is VAR=VALUE, got ${setting} in ${arg}`);
    }
    env[setting.slice(0, at)] = setting.slice(at + 1);
  }
  return { name, dist: target === 'baseline' ? undefined : resolve(target), env };
}

function optionsFrom(argv: readonly string[]): Options {
  const scenario = optionValue(argv, 'scenario') ?? 'miss';
  if (scenario !== 'miss' && scenario !== 'hit' && scenario !== 'dashboard' && scenario !== 'latency') {
    throw new Error(`--scenario is miss, hit, dashboard or latency, got ${scenario}`);
  }
  const targets = argv.filter((arg) => !arg.startsWith('--')).map(targetSpec);
  if (targets.length === 0) {
    throw new Error('name at least one target: NAME=TARGET[,VAR=VALUE...]');
  }
  return {
    scenario,
    rounds: countOption(argv, 'rounds', 8),
    requests: countOption(argv, 'requests', 5_000),
    connections: countOption(argv, 'connections', scenario === 'latency' ? LATENCY_CONNECTIONS : 32),
    targets,
  };
}

function start(spec: TargetSpec, options: Options, upstreams: Record<string, string>): Promise<Child> {
  if (spec.dist === undefined) {
    return startBaseline(`compare-${spec.name}`, upstreams, options.scenario === 'hit', spec.env);
  }
  const app = options.scenario === 'dashboard' ? 'web-bff' : 'mobile-bff';
  return startProductApp(
    `compare-${spec.name}`,
    app,
    { ...PRODUCT_ENV, ...upstreams, ...spec.env },
    spec.dist,
  );
}

/*
 * Each round's figure of one target over the reference's in the same
 * round. Targets of a round run back to back, so the machine's drift over
 * the run, which moves every target's totals by more than the changes
 * measured here, mostly cancels in the ratio; the spread of the ratios says
 * how far one figure can be trusted.
 */
function pairedRatios(
  rounds: readonly RoundFigures[],
  reference: readonly RoundFigures[],
  figure: (round: RoundFigures) => number,
): number[] {
  return rounds.map((round, index) => figure(round) / figure(reference[index]));
}

/** The median ratio, and the middle half of them: `1.12x (1.08-1.15)`. */
function spread(ratios: readonly number[]): string {
  const sorted = [...ratios].sort((a, b) => a - b);
  const at = (share: number): string => percentile(sorted, share).toFixed(2);
  return `${median(sorted).toFixed(2)}x (${at(0.25)}-${at(0.75)})`;
}

async function main(): Promise<void> {
  const options = optionsFrom(process.argv.slice(2));
  const run = randomUUID().slice(0, 8);
  mkdirSync(LOG_DIR, { recursive: true });
  const demo = await startDemo();
  const upstreams = upstreamEnv(demo);
  if (options.scenario === 'latency') {
    if (UPSTREAM_LATENCY_MS === undefined) {
      throw new Error("the benchmark has no upstream-latency scenario to take the upstreams' latency from");
    }
    await setUpstreamLatency(upstreamUrls(demo), UPSTREAM_LATENCY_MS);
  }
  const tallies: Tally[] = [];
  // A target on Redis gets a key prefix of this run's own, its keys deleted at the end.
  const keyDeletions: (() => Promise<void>)[] = [];
  try {
    for (const spec of options.targets) {
      const targetRun = runEnv(spec.env, `compare:${run}:${spec.name}`);
      spec.env = targetRun.env;
      keyDeletions.push(targetRun.deleteKeys);
      const child = await start(spec, options, upstreams);
      const redisUrl = spec.env.REDIS_URL;
      tallies.push({
        spec,
        child,
        url: `http://127.0.0.1:${child.ports[0]}`,
        requests: 0,
        seconds: 0,
        userMs: 0,
        systemMs: 0,
        redis: redisUrl === undefined ? undefined : new Redis(redisUrl),
        redisCpuMs: 0,
        demoCpuMs: 0,
        loadCpuMs: 0,
        rounds: [],
      });
    }
    const fresh = new FreshUsers(`compare-${run}`);
    const users: UserSource = options.scenario === 'hit' ? new UserPool(`compare-${run}`, POOL_SIZE) : fresh;
    const path = options.scenario === 'dashboard' ? '/web/dashboard' : '/mobile/profile';
    const kind = options.scenario === 'dashboard' ? 'dashboard' : 'profile';
    const load = (tally: Tally, amount: number) =>
      drive({
        url: tally.url,
        path,
        kind,
        users,
        connections: options.connections,
        amount,
        sampleEvery: Number.MAX_SAFE_INTEGER,
        maxSamples: 0,
      });
    // A warm-up each: the JIT's and the pools' state, and with a pool, every user loaded at least once (the
    // pool is asked in turn). The latency scenario's requests each take the upstreams' 50 ms, so they are few.
    const warmUpRequests =
      options.scenario === 'latency'
        ? Math.ceil(options.requests / 2)
        : Math.max(MIN_WARM_UP_REQUESTS, POOL_SIZE, Math.ceil(options.requests / 2));
    for (const tally of tallies) {
      await load(tally, warmUpRequests);
    }
    let failed = false;
    for (let round = 0; round < options.rounds; round += 1) {
      for (const tally of round % 2 === 0 ? tallies : [...tallies].reverse()) {
        if (options.scenario !== 'hit') {
          fresh.prepare(options.requests);
        }
        const redisBefore = tally.redis === undefined ? 0 : await redisCpuMs(tally.redis);
        const before = cpuTimesMs(tally.child.pid);
        const demoBefore = cpuTimesMs(demo.pid);
        const loadBefore = process.cpuUsage();
        const result = await load(tally, options.requests);
        const loadCpu = process.cpuUsage(loadBefore);
        const demoAfter = cpuTimesMs(demo.pid);
        const after = cpuTimesMs(tally.child.pid);
        const redisCpu = tally.redis === undefined ? 0 : (await redisCpuMs(tally.redis)) - redisBefore;
        if (result.non2xx + result.errors + result.degraded > 0) {
          failed = true;
          console.error(
            `${tally.spec.name}, round ${round + 1}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.degraded} degraded`,
            result.failures[0],
          );
        }
        const cpu = after.user + after.system - before.user - before.system;
        tally.requests += result.requests;
        tally.seconds += result.durationS;
        tally.userMs += after.user - before.user;
        tally.systemMs += after.system - before.system;
        tally.redisCpuMs += redisCpu;
        tally.demoCpuMs += demoAfter.user + demoAfter.system - demoBefore.user - demoBefore.system;
        tally.loadCpuMs += (loadCpu.user + loadCpu.system) / 1000;
        tally.rounds.push({
          rps: result.requests / result.durationS,
          cpuUs: (cpu * 1000) / result.requests,
          redisCpuUs: (redisCpu * 1000) / result.requests,
          p50Ms: result.p50Ms,
        });
      }
    }
    console.log(
      `${options.scenario}, ${options.rounds} rounds of ${options.requests} at ${options.connections} connections; CPU in µs per request`,
    );
    for (const tally of tallies) {
      const perRequest = (ms: number): number => Math.round((ms * 1000) / tally.requests);
      console.log(
        [
          tally.spec.name.padEnd(14),
          `CPU ${perRequest(tally.userMs + tally.systemMs)} (user ${perRequest(tally.userMs)}, kernel ${perRequest(tally.systemMs)})`,
          `median ${Math.round(median(tally.rounds.map(({ cpuUs }) => cpuUs)))}`,
          ...(tally.redis === undefined ? [] : [`Redis ${perRequest(tally.redisCpuMs)}`]),
          `demo ${perRequest(tally.demoCpuMs)}`,
          `load ${perRequest(tally.loadCpuMs)}`,
          `${Math.round(tally.requests / tally.seconds)} req/s`,
          `p50 ${median(tally.rounds.map(({ p50Ms }) => p50Ms)).toFixed(1)} ms`,
          `RSS ${Math.round(rssMiB(tally.child.pid))} MiB`,
          `rounds ${tally.rounds.map(({ rps, cpuUs }) => `${Math.round(rps)}/${Math.round(cpuUs)}`).join(' ')}`,
        ].join('  '),
      );
    }
    const [reference, ...others] = tallies;
    for (const tally of others) {
      const cpu = pairedRatios(tally.rounds, reference.rounds, ({ cpuUs }) => cpuUs);
      const rps = pairedRatios(tally.rounds, reference.rounds, ({ rps }) => rps);
      const redisCpu =
        tally.redis !== undefined && reference.redis !== undefined
          ? `, Redis CPU ${spread(pairedRatios(tally.rounds, reference.rounds, ({ redisCpuUs }) => redisCpuUs))}`
          : '';
      console.log(
        `${tally.spec.name} / ${reference.spec.name}, round by round: CPU ${spread(cpu)}, req/s ${spread(rps)}${redisCpu}`,
      );
    }
    process.exitCode = failed ? 1 : 0;
  } finally {
    await Promise.all([demo, ...tallies.map(({ child }) => child)].map((child) => child.stop()));
    for (const { redis } of tallies) {
      redis?.disconnect();
    }
    // A target that went without Redis for a while, or opened a breaker, measured something else.
    for (const { spec, child } of tallies.filter(({ spec }) => spec.dist !== undefined)) {
      const warnings = loggedWarnings(child.logFile);
      if (warnings.length > 0) {
        process.exitCode = 1;
        console.error(`${spec.name} logged ${describeWarnings(warnings)}`);
      }
    }
    for (const deleteKeys of keyDeletions) {
      await deleteKeys();
    }
  }
}

await main();
