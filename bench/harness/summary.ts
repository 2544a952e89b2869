import type { TargetId } from './fleet.js';
import { describeWarnings } from './logged-warnings.js';
import type { LoadResult } from './load.js';
import type { Scenario, ScenarioId } from './scenarios.js';

/** One measured round of one target, with what the gateway process, the upstreams and Redis did meanwhile. */
export interface Round extends LoadResult {
  cpuMs: number;
  upstreamCalls: number;
  /** The Redis server's CPU over the round, for a target on Redis. */
  redisCpuMs: number | undefined;
}

export interface TargetFigures {
  target: TargetId;
  label: string;
  requests: number;
  seconds: number;
  rps: number;
  /** Medians over the rounds of each round's percentile. */
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** How many answers of each status other than 2xx, e.g. `{ "429": 12 }`. */
  non2xxStatuses: Record<string, number>;
  status5xx: number;
  errors: number;
  stale: number;
  degraded: number;
  cpuMsPerRequest: number;
  upstreamCallsPerRequest: number;
  /** The Redis server's CPU per request, for a target on Redis: on the same cores, and not in `cpuMsPerRequest`. */
  redisCpuMsPerRequest: number | undefined;
  /** The gateway's resident memory when the scenario ended. */
  rssMiB: number;
  /** Wrong answers among the samples, one line each. */
  wrongAnswers: string[];
}

export interface ScenarioFigures {
  scenario: Scenario;
  connections: number;
  baseline: TargetFigures;
  products: TargetFigures[];
}

/** The nearest-rank percentile of sorted values (`share` 0.5 for the median); 0 when there are none. */
export function percentile(sorted: readonly number[], share: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const sum = (rounds: readonly Round[], pick: (round: Round) => number): number =>
  rounds.reduce((total, round) => total + pick(round), 0);

/** A target's rounds as one figure: throughput over all of them (requests over seconds), latency as the median round. */
export function summarize(
  target: { id: TargetId; label: string },
  rounds: readonly Round[],
  rssMiB: number,
  wrongAnswers: string[],
): TargetFigures {
  const requests = sum(rounds, (round) => round.requests);
  const seconds = sum(rounds, (round) => round.durationS);
  const perRequest = (total: number): number => (requests === 0 ? 0 : total / requests);
  const non2xxStatuses: Record<string, number> = {};
  for (const round of rounds) {
    for (const [status, count] of Object.entries(round.statusCounts)) {
      if (!status.startsWith('2')) {
        non2xxStatuses[status] = (non2xxStatuses[status] ?? 0) + count;
      }
    }
  }
  return {
    target: target.id,
    label: target.label,
    requests,
    seconds,
    rps: seconds === 0 ? 0 : requests / seconds,
    p50Ms: median(rounds.map((round) => round.p50Ms)),
    p99Ms: median(rounds.map((round) => round.p99Ms)),
    non2xx: sum(rounds, (round) => round.non2xx),
    non2xxStatuses,
    status5xx: sum(rounds, (round) => round.status5xx),
    errors: sum(rounds, (round) => round.errors),
    stale: sum(rounds, (round) => round.stale),
    degraded: sum(rounds, (round) => round.degraded),
    cpuMsPerRequest: perRequest(sum(rounds, (round) => round.cpuMs)),
    upstreamCallsPerRequest: perRequest(sum(rounds, (round) => round.upstreamCalls)),
    redisCpuMsPerRequest: rounds.every((round) => round.redisCpuMs !== undefined)
      ? perRequest(sum(rounds, (round) => round.redisCpuMs ?? 0))
      : undefined,
    rssMiB,
    wrongAnswers,
  };
}

export interface TargetCheck {
  scenario: ScenarioId | 'run';
  target: string;
  goal: string;
  actual: string;
  met: boolean;
}

const ratio = (value: number, of: number): number => (of === 0 ? Number.NaN : value / of);
const times = (value: number): string => `${value.toFixed(2)}x`;

/** The targets for one scenario: each product flavour against the scenario's baseline, and no failures anywhere. */
export function scenarioChecks({ scenario, baseline, products }: ScenarioFigures): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const product of products) {
    const check = (goal: string, value: number, met: boolean, actual = times(value)): TargetCheck => ({
      scenario: scenario.id,
      target: product.label,
      goal,
      actual,
      met,
    });
    const rps = ratio(product.rps, baseline.rps);
    switch (scenario.id) {
      case 'profile-miss': {
        const cpu = ratio(product.cpuMsPerRequest, baseline.cpuMsPerRequest);
        checks.push(check('req/s >= 0.6x baseline', rps, rps >= 0.6));
        checks.push(check('CPU per request <= 2x baseline', cpu, cpu <= 2));
        break;
      }
      case 'profile-hit':
        checks.push(check('req/s >= 0.6x cached baseline', rps, rps >= 0.6));
        break;
      case 'upstream-latency': {
        const p50 = ratio(product.p50Ms, baseline.p50Ms);
        checks.push(
          check(
            'p50 within 10% of baseline',
            p50,
            Math.abs(p50 - 1) <= 0.1,
            `${times(p50)} (${product.p50Ms.toFixed(1)} vs ${baseline.p50Ms.toFixed(1)} ms)`,
          ),
        );
        break;
      }
      case 'dashboard':
        break;
    }
  }
  for (const figures of [baseline, ...products]) {
    checks.push({
      scenario: scenario.id,
      target: figures.label,
      goal: 'no 5xx, no errors',
      actual: `${figures.status5xx} 5xx, ${figures.errors} errors`,
      met: figures.status5xx + figures.errors === 0,
    });
  }
  return checks;
}

export const RSS_LIMIT_MIB = 250;

export function rssCheck(name: string, rssMiB: number): TargetCheck {
  return {
    scenario: 'run',
    target: name,
    goal: `RSS after the run < ${RSS_LIMIT_MIB} MiB`,
    actual: `${rssMiB.toFixed(0)} MiB`,
    met: rssMiB < RSS_LIMIT_MIB,
  };
}

/** A product process that logged nothing at warn or above: otherwise its figures are not what they claim. */
export function warningsCheck(name: string, warnings: readonly string[]): TargetCheck {
  return {
    scenario: 'run',
    target: name,
    goal: 'nothing logged at warn or above',
    actual: warnings.length === 0 ? 'nothing' : describeWarnings(warnings),
    met: warnings.length === 0,
  };
}

/**
 * Why the run fails, one line each: a non-2xx answer, an error or timeout,
 * a degraded answer or a wrong sampled answer, from any target, or a
 * product process that logged a warning. A missed performance target is
 * reported, never a failure.
 */
export function runFailures(
  scenarios: readonly ScenarioFigures[],
  warnings: readonly { name: string; warnings: readonly string[] }[],
): string[] {
  const lines: string[] = [];
  for (const { name, warnings: logged } of warnings) {
    if (logged.length > 0) {
      lines.push(`${name} logged ${describeWarnings(logged)}`);
    }
  }
  for (const { scenario, baseline, products } of scenarios) {
    for (const figures of [baseline, ...products]) {
      const where = `${scenario.id}, ${figures.label}`;
      if (figures.non2xx > 0) {
        const statuses = Object.entries(figures.non2xxStatuses)
          .map(([status, count]) => `${count} x ${status}`)
          .join(', ');
        lines.push(`${where}: ${figures.non2xx} answers were not 2xx (${statuses})`);
      }
      if (figures.errors > 0) {
        lines.push(`${where}: ${figures.errors} requests failed or timed out`);
      }
      if (figures.degraded > 0) {
        lines.push(`${where}: ${figures.degraded} answers were degraded (a section missing)`);
      }
      lines.push(...figures.wrongAnswers.map((wrong) => `${where}: ${wrong}`));
    }
  }
  return lines;
}
