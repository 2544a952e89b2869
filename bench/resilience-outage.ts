import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileSync } from 'node:fs';
import { mintToken } from '../test/support/tokens.js';
import { startStack } from '../test/support/stack.js';

/*
 * Measures what issue 3 asks: how long /mobile/profile takes while the user
 * service hangs, and what a 10 s order-service outage at a steady 100 req/s
 * costs with and without breakers. Everything runs on loopback in this
 * process; the figures are counts and latencies, not throughput.
 */

const RATE_PER_SECOND = 100;

const tokens = Array.from({ length: 200 }, (_, index) =>
  mintToken({ sub: `u${index + 1}`, expiresInSeconds: 3600 }),
);

async function profile(
  url: string,
  index: number,
): Promise<{ status: number; complete: boolean; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/mobile/profile`, {
    headers: { authorization: `Bearer ${tokens[index % tokens.length]}` },
  });
  await response.arrayBuffer();
  return {
    status: response.status,
    complete: response.headers.get('x-response-complete') === 'true',
    ms: performance.now() - started,
  };
}

async function hangingUserService(label: string, env: Record<string, string>): Promise<string> {
  const stack = await startStack(env);
  stack.demo.faults.user.set({ hang: true });
  const timings: number[] = [];
  const statuses = new Set<number>();
  for (let request = 0; request < 10; request += 1) {
    const answer = await profile(stack.mobileUrl, request);
    timings.push(answer.ms);
    statuses.add(answer.status);
  }
  await stack.close();
  timings.sort((a, b) => a - b);
  const slowest = timings[timings.length - 1];
  return `- user service hanging, ${label}: 10 sequential requests answered ${[...statuses].join('/')}, slowest ${slowest.toFixed(0)} ms, fastest ${timings[0].toFixed(0)} ms (the breaker opens after 5 timeouts, then calls fail fast)`;
}

interface OutageFigures {
  label: string;
  sent: number;
  failed: number;
  degraded: number;
  orderCallsDuringOutage: number;
  clientCallsDuringOutage: number;
  recoveryMs: number | undefined;
}

/** 5 s healthy, 10 s with the order service down, then up to 15 s until the first complete profile. */
async function orderOutage(label: string, env: Record<string, string>): Promise<OutageFigures> {
  const stack = await startStack(env);
  const figures: OutageFigures = {
    label,
    sent: 0,
    failed: 0,
    degraded: 0,
    orderCallsDuringOutage: 0,
    clientCallsDuringOutage: 0,
    recoveryMs: undefined,
  };
  let phase: 'before' | 'outage' | 'after' = 'before';
  let recoveredAt = 0;
  const inFlight = new Set<Promise<void>>();
  const fire = (): void => {
    const index = figures.sent++;
    const sentIn = phase;
    const call = profile(stack.mobileUrl, index)
      .then((answer) => {
        if (answer.status !== 200) {
          figures.failed += 1;
        } else if (!answer.complete) {
          figures.degraded += 1;
        } else if (sentIn === 'after' && figures.recoveryMs === undefined) {
          figures.recoveryMs = performance.now() - recoveredAt;
        }
        if (sentIn === 'outage') {
          figures.clientCallsDuringOutage += 1;
        }
      })
      .catch(() => {
        figures.failed += 1;
      })
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
  };
  const timer = setInterval(fire, 1000 / RATE_PER_SECOND);
  await sleep(5000);
  phase = 'outage';
  stack.demo.faults.order.resetCount();
  stack.demo.faults.order.set({ down: true });
  await sleep(10_000);
  figures.orderCallsDuringOutage = stack.demo.faults.order.requestCount();
  stack.demo.faults.order.reset();
  recoveredAt = performance.now();
  phase = 'after';
  for (let waited = 0; waited < 15_000 && figures.recoveryMs === undefined; waited += 100) {
    await sleep(100);
  }
  clearInterval(timer);
  await Promise.all(inFlight);
  await stack.close();
  return figures;
}

function outageLine(figures: OutageFigures): string {
  const recovery =
    figures.recoveryMs === undefined
      ? 'no complete profile within 15 s'
      : `${(figures.recoveryMs / 1000).toFixed(2)} s`;
  return `| ${figures.label} | ${figures.clientCallsDuringOutage} | ${figures.orderCallsDuringOutage} | ${figures.failed} | ${figures.degraded} | ${recovery} |`;
}

const lines = [
  '# Resilience measurements',
  '',
  `Node ${process.version}, ${new Date().toISOString()}, one process on loopback (\`npm run measure:resilience\`).`,
  '',
  await hangingUserService('deadline 1500 ms, call timeout 1000 ms (defaults)', {}),
  await hangingUserService('deadline 1500 ms, call timeout 5000 ms', { UPSTREAM_TIMEOUT_MS: '5000' }),
  '',
  `Order service down for 10 s under a steady ${RATE_PER_SECOND} req/s to /mobile/profile (single order instance):`,
  '',
  '| gateway | client calls during outage | calls reaching the order service | failed client calls (all run) | degraded answers | recovery to first complete profile |',
  '| --- | --- | --- | --- | --- | --- |',
  outageLine(await orderOutage('breakers on (defaults, cool-down 5 s)', {})),
  // A cool-down that does not divide the outage shows the worst case: recovery waits for the next probe.
  outageLine(await orderOutage('breakers on, cool-down 3 s', { UPSTREAM_BREAKER_COOLDOWN_MS: '3000' })),
  outageLine(
    await orderOutage('breakers off', {
      UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '1000',
      UPSTREAM_BREAKER_FAILURE_RATE: '1',
    }),
  ),
  '',
  'Recovery waits at most one cool-down: an open breaker lets its next probe through only then.',
  '',
];
const report = lines.join('\n');
writeFileSync(
  new URL('./RESILIENCE.md', import.meta.url).pathname.replace('/dist/bench/', '/bench/'),
  report,
);
console.log(report);
