import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GCProfilerResult } from 'node:v8';
import { startChild } from './harness/child.js';
import { LOG_DIR, PRODUCT_ENV, ROOT, startDemo, upstreamEnv } from './harness/fleet.js';
import { drive } from './harness/load.js';
import { countOption, envSettings, optionValue, runEnv } from './harness/measure-options.js';
import { cpuMs } from './harness/proc-stats.js';
import { FreshUsers, UserPool, type UserSource } from './harness/users.js';

/*
 * What the garbage collector costs mobile-bff per request: collections by
 * kind, their main-thread pause, and the bytes each scavenge moved into the
 * old generation, from V8's own GC profiler over a fixed number of requests
 * after a warm-up. Promotion is the figure to watch: objects that outlive a
 * scavenge are copied twice and then wait for a mark-compact, so a change
 * that keeps fewer objects alive past a request shows here first, where a
 * CPU profile spreads it thin. The pause is the main thread's only; V8's
 * helper threads scavenge and mark alongside, which the process CPU per
 * request includes. `npm run measure:gc -- [--hit] [--requests=N]
 * [--connections=N] [--dist=path/to/dist] [--env=NAME=VALUE ...]`.
 */

interface Options {
  hit: boolean;
  requests: number;
  connections: number;
  dist: string;
  env: Record<string, string>;
}

const WARM_UP_REQUESTS = 4_000;

function optionsFrom(argv: readonly string[]): Options {
  return {
    hit: argv.includes('--hit'),
    requests: countOption(argv, 'requests', 8_000),
    connections: countOption(argv, 'connections', 16),
    dist: optionValue(argv, 'dist') ?? join(ROOT, 'dist'),
    env: envSettings(argv),
  };
}

type Collection = GCProfilerResult['statistics'][number];

/** Bytes in the spaces a scavenge promotes into: old and large-object. */
function oldBytes(snapshot: Collection['beforeGC']): number {
  return snapshot.heapSpaceStatistics
    .filter(({ spaceName }) => spaceName === 'old_space' || spaceName === 'large_object_space')
    .reduce((sum, space) => sum + space.spaceUsedSize, 0);
}

interface GcFigures {
  scavengesPer1000: number;
  markCompacts: number;
  pauseUsPerRequest: number;
  promotedKbPerRequest: number;
}

/** Per request: scavenges, mark-compacts, the main thread's pause, and what the scavenges promoted. */
function gcFigures(result: GCProfilerResult, requests: number): GcFigures {
  const scavenges = result.statistics.filter(({ gcType }) => gcType === 'Scavenge');
  const promoted = scavenges.reduce(
    (sum, collection) => sum + Math.max(0, oldBytes(collection.afterGC) - oldBytes(collection.beforeGC)),
    0,
  );
  const pause = result.statistics.reduce((sum, collection) => sum + collection.cost, 0);
  return {
    scavengesPer1000: (scavenges.length * 1000) / requests,
    markCompacts: result.statistics.filter(({ gcType }) => gcType === 'MarkSweepCompact').length,
    pauseUsPerRequest: pause / requests,
    promotedKbPerRequest: promoted / 1024 / requests,
  };
}

async function waitForFile(path: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) {
      throw new Error(`the gateway wrote no GC profile to ${path}`);
    }
    await sleep(100);
  }
  // Written in one call, but it may still be landing: read it once it parses.
  for (;;) {
    try {
      const text = readFileSync(path, 'utf8');
      JSON.parse(text);
      return text;
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await sleep(100);
    }
  }
}

async function main(): Promise<void> {
  const options = optionsFrom(process.argv.slice(2));
  const probe = join(ROOT, 'dist', 'bench', 'harness', 'gc-probe.js');
  const profileFile = join(LOG_DIR, `gc-profile.${process.pid}.json`);
  rmSync(profileFile, { force: true });
  const run = runEnv(options.env, `measure-gc:${process.pid}`);
  const demo = await startDemo();
  try {
    const gateway = await startChild({
      name: 'gc-gateway',
      script: join(options.dist, 'apps', 'mobile-bff', 'src', 'main.js'),
      portCount: 1,
      logFile: join(LOG_DIR, 'gc-gateway.log'),
      env: ([port]) => ({
        ...PRODUCT_ENV,
        ...run.env,
        NODE_OPTIONS: `${options.env.NODE_OPTIONS ?? PRODUCT_ENV.NODE_OPTIONS} --import=${probe}`,
        GC_PROBE_OUT: profileFile,
        MOBILE_BFF_PORT: String(port),
        ...upstreamEnv(demo),
      }),
      isReady: async ([port]) => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok,
    });
    try {
      const fresh = options.hit ? undefined : new FreshUsers(`gc-${Date.now()}`);
      fresh?.prepare(WARM_UP_REQUESTS + options.requests);
      const users: UserSource = fresh ?? new UserPool(`gc-${Date.now()}`, 1000);
      const load = (amount: number) =>
        drive({
          url: `http://127.0.0.1:${gateway.ports[0]}`,
          path: '/mobile/profile',
          kind: 'profile',
          users,
          connections: options.connections,
          amount,
          sampleEvery: 1e9,
          maxSamples: 0,
        });
      await load(WARM_UP_REQUESTS);
      process.kill(gateway.pid, 'SIGUSR2');
      const cpuBefore = cpuMs(gateway.pid);
      const measured = await load(options.requests);
      const cpuAfter = cpuMs(gateway.pid);
      process.kill(gateway.pid, 'SIGUSR2');
      const result = JSON.parse(await waitForFile(profileFile, 10_000)) as GCProfilerResult;
      if (measured.non2xx + measured.errors > 0) {
        throw new Error(
          `${measured.non2xx} non-2xx answers and ${measured.errors} errors in the measured requests`,
        );
      }
      const figures = gcFigures(result, measured.requests);
      const settings = Object.entries(options.env).map(([name, value]) => ` ${name}=${value}`);
      console.log(
        [
          `${options.hit ? 'cache hit' : 'cache miss'}, ${measured.requests} requests at ${options.connections} connections, ${options.dist}${settings.join('')}:`,
          `  process CPU ${((cpuAfter - cpuBefore) / measured.requests).toFixed(3)} ms per request (every thread)`,
          `  promoted ${figures.promotedKbPerRequest.toFixed(2)} KB per request`,
          `  main-thread GC pause ${figures.pauseUsPerRequest.toFixed(1)} µs per request`,
          `  ${figures.scavengesPer1000.toFixed(1)} scavenges per 1,000 requests, ${figures.markCompacts} mark-compacts`,
        ].join('\n'),
      );
    } finally {
      await gateway.stop();
    }
  } finally {
    await demo.stop();
    await run.deleteKeys();
    rmSync(profileFile, { force: true });
  }
}

await main();
