import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cliArgsOrExit, readCliArgs } from '../src/cli-args.js';
import { renderChart } from './harness/chart.js';
import { LOG_DIR, PRODUCT_ENV, redisAnswers, ROOT, startFleet } from './harness/fleet.js';
import { rssMiB } from './harness/proc-stats.js';
import {
  checksTable,
  redisCpuNote,
  resultsSection,
  scenarioTable,
  withResults,
  type RunFacts,
} from './harness/report.js';
import { GatewayDiedError, runScenario } from './harness/run-scenario.js';
import { SCENARIOS, settingsFor, type Settings } from './harness/scenarios.js';
import { loggedWarnings } from './harness/logged-warnings.js';
import {
  rssCheck,
  runFailures,
  scenarioChecks,
  warningsCheck,
  type ScenarioFigures,
} from './harness/summary.js';
import { UserPool } from './harness/users.js';

/*
 * The benchmark of issue 8 (`npm run bench`, `npm run bench -- --short` or
 * BENCH_SHORT=1): what the gateway costs per screen against a hand-written
 * baseline, every target measured in turn in the same run. Writes
 * bench/RESULTS.md and bench/results.svg; a short run writes them under
 * dist/bench/short/ instead, so a quick check never replaces the committed
 * figures. Exits 1 on any wrong answer, non-2xx, error, degraded answer,
 * dead gateway or warning in a product's log (a Redis flavour that went on
 * without Redis is not measuring what it says); a missed performance
 * target is printed, not a failure.
 */

const log = (line: string): void => console.log(line);

interface Measured {
  scenarios: ScenarioFigures[];
  rss: { name: string; rssMiB: number }[];
  /** Each product process, by name, and its log, read once the fleet has stopped. */
  products: { name: string; logFile: string }[];
  redis: RunFacts['redis'];
}

async function measure(settings: Settings, runId: string): Promise<Measured> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const withRedis = await redisAnswers(redisUrl);
  if (!withRedis) {
    log(`Redis does not answer at ${redisUrl}: the product runs on embedded defaults only.`);
  }
  log(
    `Starting the demo services, the baselines and the product (${settings.mode} mode; logs in ${LOG_DIR})`,
  );
  const fleet = await startFleet(runId, withRedis ? redisUrl : undefined);
  try {
    const pool = new UserPool(`bench-${runId}-pool`, settings.poolSize);
    const scenarios: ScenarioFigures[] = [];
    for (const scenario of SCENARIOS) {
      log(`\n${scenario.title}`);
      scenarios.push(await runScenario(scenario, { fleet, settings, runId, pool, log }));
    }
    return {
      scenarios,
      rss: fleet.children.map((child) => ({ name: child.name, rssMiB: rssMiB(child.pid) })),
      products: fleet.products.map(({ name, logFile }) => ({ name, logFile })),
      redis: fleet.redis,
    };
  } finally {
    await fleet.stop();
  }
}

const USAGE = `Usage: npm run bench [-- --short]
  the whole benchmark, about 3 minutes; --short (or BENCH_SHORT=1) is a quick check of under a minute`;

async function main(): Promise<number> {
  // Strict, so a typo (--shrot) or --help stops here instead of starting three minutes of load.
  const { short: shortFlag } = cliArgsOrExit(
    readCliArgs(process.argv.slice(2), { short: { type: 'boolean' } }, USAGE),
  );
  const short = shortFlag === true || /^(1|true|yes|on)$/i.test(process.env.BENCH_SHORT ?? '');
  const settings = settingsFor(short);
  const started = performance.now();
  const loadAtStart = loadavg()[0];
  let measured: Measured;
  try {
    measured = await measure(settings, Date.now().toString(36));
  } catch (error) {
    if (error instanceof GatewayDiedError) {
      log(`\nThe run FAILED: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const { scenarios, rss, products } = measured;
  const warnings = products.map(({ name, logFile }) => ({
    name,
    warnings: loggedWarnings(logFile),
  }));

  const checks = [
    ...scenarios.flatMap(scenarioChecks),
    ...rss
      .filter(({ name }) => products.some((product) => product.name === name))
      .map(({ name, rssMiB: mib }) => rssCheck(name, mib)),
    ...warnings.map(({ name, warnings: logged }) => warningsCheck(name, logged)),
  ];
  for (const figures of scenarios) {
    log(`\n${figures.scenario.title} (${figures.connections} connections)`);
    log([...scenarioTable(figures), ...redisCpuNote(figures)].join('\n'));
  }
  log('\nTargets');
  log(checksTable(checks).join('\n'));
  for (const check of checks.filter(({ met }) => !met)) {
    log(`MISSED: ${check.scenario}, ${check.target}: ${check.goal} (measured ${check.actual})`);
  }

  const command = short ? 'npm run bench -- --short' : 'npm run bench';
  const facts: RunFacts = {
    date: new Date().toISOString(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: totalmem() / 1024 ** 3,
    kernel: release(),
    node: process.version,
    command,
    settings,
    productEnv: PRODUCT_ENV,
    redis: measured.redis,
    durationS: (performance.now() - started) / 1000,
    loadAverage: { start: loadAtStart, end: loadavg()[0] },
  };
  const outDir = short ? join(ROOT, 'dist', 'bench', 'short') : join(ROOT, 'bench');
  mkdirSync(outDir, { recursive: true });
  const resultsFile = join(outDir, 'RESULTS.md');
  const existing = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : undefined;
  writeFileSync(
    resultsFile,
    withResults(existing, resultsSection(facts, scenarios, checks, rss, 'results.svg')),
  );
  writeFileSync(
    join(outDir, 'results.svg'),
    renderChart(
      scenarios,
      `${command}, ${facts.date.slice(0, 10)}, ${facts.cores} cores, Node ${facts.node}`,
    ),
  );
  log(`\nWrote ${resultsFile} and results.svg (${facts.durationS.toFixed(0)} s in all).`);

  const failures = runFailures(scenarios, warnings);
  if (failures.length > 0) {
    log('\nThe run FAILED:');
    for (const line of failures) {
      log(`  ${line}`);
    }
    return 1;
  }
  return 0;
}

process.exit(await main());
