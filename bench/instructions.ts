import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sparePort } from '../test/support/node-process.js';
import { baselineEnv, LOG_DIR, PRODUCT_ENV, ROOT, startDemo, upstreamEnv } from './harness/fleet.js';
import { drive } from './harness/load.js';
import { envSettings, optionValue, runEnv } from './harness/measure-options.js';
import { FreshUsers, UserPool, type UserSource } from './harness/users.js';

/*
 * Instructions per request of one build of mobile-bff, counted by valgrind's
 * callgrind over a fixed number of requests after a warm-up. What else the
 * machine is doing does not change the count, where it moved CPU time per
 * request by 10% or more between two runs of one build. The gateway runs
 * some 50 times slower under valgrind, so timing-dependent work (batching,
 * when GC runs) still shifts: two runs of one build differ by up to 5% on
 * the main thread, more on every thread. It tells whether a change of
 * several percent is real; it is not a benchmark, and time in the kernel
 * (socket writes) is not counted. `--baseline` counts the hand-written
 * baseline instead (its cache on with `--hit`), the yardstick for the
 * product's count. `--simulate` adds callgrind's cache and branch
 * simulation and prints the main thread's first-level cache misses and
 * mispredicted branches per request as well (callgrind models the first
 * and last cache levels the machine reports; no second level, TLB or
 * prefetcher).
 * `npm run measure:instructions -- [--hit] [--baseline] [--simulate]
 * [--requests=N] [--dist=path/to/dist] [--env=NAME=VALUE ...]`; needs
 * valgrind.
 */

interface Options {
  hit: boolean;
  /** Count the baseline (`bench/baseline/`, from this checkout's dist) rather than mobile-bff. */
  baseline: boolean;
  /** Simulate the caches and branch prediction too (several times slower). */
  simulate: boolean;
  requests: number;
  dist: string;
  /** Settings that differ from the benchmark's product, to count what one feature costs (`--env=LOG_LEVEL=warn`). */
  env: Record<string, string>;
}

/** Enough for the JIT to settle and, on misses, for the memory cache to fill (four entries a request, 10,000 kept). */
const WARM_UP_REQUESTS = 3_000;
const CONNECTIONS = 4;
/** Valgrind starts Nest in about 45 s on the benchmark's machine. */
const READY_TIMEOUT_MS = 300_000;
/** Valgrind's pace would turn the default 1.5 s deadline and 1 s call timeout into 504s; longer ones run the same code. */
const SLOW_PROCESS_TIMEOUTS = { AGGREGATE_DEADLINE_MS: '30000', UPSTREAM_TIMEOUT_MS: '20000' };
/** vgdb finds the process by a file named after these, which callgrind_control must be given alike. */
const VGDB_IDENTITY = { USER: 'bench', LOGNAME: 'bench', HOST: PRODUCT_ENV.HOST };

function optionsFrom(argv: readonly string[]): Options {
  const requests = Number(optionValue(argv, 'requests') ?? 2_000);
  if (!Number.isInteger(requests) || requests < 100) {
    throw new Error('--requests must be a whole number of at least 100');
  }
  return {
    hit: argv.includes('--hit'),
    baseline: argv.includes('--baseline'),
    simulate: argv.includes('--simulate'),
    requests,
    dist: optionValue(argv, 'dist') ?? join(ROOT, 'dist'),
    env: envSettings(argv),
  };
}

function installed(command: string): boolean {
  return spawnSync(command, ['--help'], { stdio: 'ignore' }).error === undefined;
}

/** A callgrind_control command; the gateway carries it out the next time it runs code, so the caller keeps it busy. */
function control(pid: number, flag: '-z' | '-d'): Promise<void> {
  return new Promise((resolve, reject) => {
    spawn('callgrind_control', [flag, String(pid)], {
      stdio: 'ignore',
      env: { ...process.env, ...VGDB_IDENTITY },
    })
      .once('error', reject)
      .once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`callgrind_control ${flag} exited ${code}`)),
      );
  });
}

/** What `--simulate` prints per request, by callgrind's event names. */
const SIMULATED_EVENTS: Record<string, string> = {
  I1mr: 'instruction-cache misses',
  D1mr: 'data-cache read misses',
  D1mw: 'data-cache write misses',
  Bcm: 'mispredicted conditional branches',
  Bim: 'mispredicted indirect branches',
};

/** A dump's totals by event name (`Ir`, and with simulation `I1mr`, `Bcm` and the rest), or undefined for a dump without them. */
function eventTotals(dump: string): Record<string, number> | undefined {
  const names = /^events: (.+)$/m.exec(dump)?.[1].trim().split(/\s+/);
  const totals = /^totals: (.+)$/m.exec(dump)?.[1].trim().split(/\s+/).map(Number);
  if (names === undefined || totals === undefined || totals.some((total) => !Number.isFinite(total))) {
    return undefined;
  }
  // callgrind leaves trailing zero events off a totals line.
  return Object.fromEntries(names.map((name, index) => [name, totals[index] ?? 0]));
}

/** Every file callgrind wrote for this run: `<counts>`, `<counts>-01`, `<counts>.1-01` and so on. */
function dumpFiles(counts: string): string[] {
  return readdirSync(LOG_DIR)
    .filter((file) => file.startsWith(basename(counts)))
    .map((file) => join(LOG_DIR, file));
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const options = optionsFrom(process.argv.slice(2));
  if (!installed('valgrind') || !installed('callgrind_control')) {
    console.error('valgrind (with callgrind_control) is not installed: apt-get install valgrind');
    process.exitCode = 2;
    return;
  }
  mkdirSync(LOG_DIR, { recursive: true });
  const run = runEnv(options.env, `measure-instructions:${process.pid}`);
  const demo = await startDemo();
  const port = await sparePort();
  const url = `http://127.0.0.1:${port}`;
  const counts = join(LOG_DIR, `callgrind.${process.pid}.out`);
  const log = openSync(join(LOG_DIR, 'instructions-gateway.log'), 'w');
  const upstreams = upstreamEnv(demo);
  const target = options.baseline
    ? {
        name: 'the baseline',
        script: join(ROOT, 'dist', 'bench', 'baseline', 'main.js'),
        env: baselineEnv(port, upstreams, options.hit),
        // The baseline answers one health route, ready as soon as it listens.
        readyPath: '/health',
        livePath: '/health',
      }
    : {
        name: 'mobile-bff',
        script: join(options.dist, 'apps', 'mobile-bff', 'src', 'main.js'),
        env: { ...PRODUCT_ENV, ...SLOW_PROCESS_TIMEOUTS, ...upstreams, MOBILE_BFF_PORT: String(port) },
        readyPath: '/health/ready',
        livePath: '/health/live',
      };
  const gateway = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--vgdb=yes',
      // One count per thread: the main thread's moves far less than V8's GC helpers', whose share depends on when a collection lands.
      '--separate-threads=yes',
      ...(options.simulate ? ['--cache-sim=yes', '--branch-sim=yes'] : []),
      `--callgrind-out-file=${counts}`,
      process.execPath,
      target.script,
    ],
    {
      env: {
        ...target.env,
        ...VGDB_IDENTITY,
        ...run.env,
        PATH: process.env.PATH ?? '',
      },
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  // A runner stopped half-way (a throw past the finally below, Ctrl-C) leaves no gateway running under valgrind.
  process.once('exit', () => gateway.kill('SIGKILL'));
  try {
    const pid = gateway.pid;
    if (pid === undefined) {
      throw new Error('valgrind did not start');
    }
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await answers(`${url}${target.readyPath}`))) {
      if (Date.now() > deadline || gateway.exitCode !== null) {
        throw new Error(
          `${target.name} under valgrind was not ready; see ${join(LOG_DIR, 'instructions-gateway.log')}`,
        );
      }
      await sleep(500);
    }
    const fresh = options.hit ? undefined : new FreshUsers(`instructions-${Date.now()}`);
    fresh?.prepare(WARM_UP_REQUESTS + options.requests + 4 * CONNECTIONS);
    const users: UserSource = fresh ?? new UserPool(`instructions-${Date.now()}`, 200);
    const load = (amount: number) =>
      drive({
        url,
        path: '/mobile/profile',
        kind: 'profile',
        users,
        connections: CONNECTIONS,
        amount,
        sampleEvery: 1e9,
        maxSamples: 0,
      });
    await load(WARM_UP_REQUESTS);
    // Zeroed once the first measured requests arrive; the few counted twice or not at all are within the noise.
    const zeroed = control(pid, '-z');
    const measured = await load(options.requests);
    await zeroed;
    const dumped = control(pid, '-d');
    let settled = false;
    void dumped.finally(() => (settled = true));
    while (!settled) {
      await answers(`${url}${target.livePath}`);
    }
    await dumped;
    // The manual dump is part 1, one file per thread: `<counts>.1-01` is the main thread.
    const threads = dumpFiles(counts)
      .filter((file) => file.includes('.1-'))
      .sort()
      .map((file) => eventTotals(readFileSync(file, 'utf8')));
    if (threads.length === 0 || threads.some((totals) => totals?.Ir === undefined)) {
      throw new Error(`callgrind wrote no usable counts to ${LOG_DIR}`);
    }
    if (measured.non2xx + measured.errors > 0) {
      throw new Error(
        `${measured.non2xx} non-2xx answers and ${measured.errors} errors: the count would mix in error paths`,
      );
    }
    const perRequest = (total: number): string => Math.round(total / measured.requests).toLocaleString('en');
    const settings = Object.entries(options.env).map(([name, value]) => ` ${name}=${value}`);
    const [main, ...others] = threads as Record<string, number>[];
    const everyThread = others.reduce((sum, totals) => sum + totals.Ir, main.Ir);
    console.log(
      `${options.hit ? 'cache hit' : 'cache miss'}, ${measured.requests} requests, ${options.baseline ? 'the baseline' : options.dist}${settings.join('')}: ${perRequest(main.Ir)} instructions per request on the main thread, ${perRequest(everyThread)} on every thread`,
    );
    if (options.simulate) {
      const simulated = Object.entries(SIMULATED_EVENTS).map(
        ([event, label]) => `${perRequest(main[event] ?? 0)} ${label}`,
      );
      console.log(`main thread, per request: ${simulated.join(', ')}`);
    }
  } finally {
    gateway.kill('SIGTERM');
    await new Promise((resolve) =>
      gateway.exitCode === null && gateway.signalCode === null
        ? gateway.once('exit', resolve)
        : resolve(undefined),
    );
    await demo.stop();
    await run.deleteKeys();
    for (const file of dumpFiles(counts)) {
      rmSync(file, { force: true });
    }
  }
}

await main();
