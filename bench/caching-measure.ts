import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { runEnv } from './harness/measure-options.js';
import { mintToken } from '../test/support/tokens.js';
import { startStack, type Stack } from '../test/support/stack.js';

/*
 * Measures what issue 4 asks: upstream calls per 1,000 /mobile/profile
 * requests over 100 users with caching off and on, and the answer time
 * while Redis is down against while it is up. One process on loopback; a
 * private redis-server on a spare port is started and killed here.
 */

const USERS = 100;
const REQUESTS = 1000;
const CONCURRENCY = 10;
const tokens = Array.from({ length: USERS }, (_, index) =>
  mintToken({ sub: `u${index + 1}`, expiresInSeconds: 3600 }),
);

async function drive(url: string, requests: number): Promise<{ latencies: number[]; failures: number }> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests) {
      const index = next++;
      const started = performance.now();
      const response = await fetch(`${url}/mobile/profile`, {
        headers: { authorization: `Bearer ${tokens[(index * 37) % USERS]}` },
      });
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
      if (response.status !== 200) {
        failures += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { latencies: latencies.sort((a, b) => a - b), failures };
}

const percentile = (sorted: number[], p: number): string =>
  sorted[Math.floor((p / 100) * (sorted.length - 1))].toFixed(1);

/** Data requests the three demo services have received. */
function upstreamCalls(stack: Stack): number {
  return Object.values(stack.demo.faults).reduce((total, faults) => total + faults.requestCount(), 0);
}

async function upstreamCallsPerThousand(label: string, env: Record<string, string>): Promise<string> {
  const stack = await startStack(env);
  const { failures } = await drive(stack.mobileUrl, REQUESTS);
  const calls = upstreamCalls(stack);
  await stack.close();
  return `| ${label} | ${calls} | ${failures} |`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await sleep(300);
  return redis;
}

async function redisUpAndDown(): Promise<string[]> {
  const port = await freePort();
  let redis = await startRedis(port);
  // Resource and response entries expire within the run, so Redis is asked on most requests.
  const stack = await startStack({
    CACHE_ENABLED: 'true',
    REDIS_URL: `redis://127.0.0.1:${port}`,
    REDIS_KEY_PREFIX: 'measure:',
    CACHE_RESPONSE_TTL_S: '0',
    USER_SERVICE_CACHE_TTL_S: '1',
    ORDER_SERVICE_CACHE_TTL_S: '1',
    PREFERENCE_SERVICE_CACHE_TTL_S: '1',
    CACHE_STALE_WHILE_REVALIDATE_S: '0',
  });
  await drive(stack.mobileUrl, 200);
  const up = await drive(stack.mobileUrl, REQUESTS);
  // Frozen: the socket stays open and commands go unanswered, the worst case for a client.
  redis.kill('SIGSTOP');
  const frozen = await drive(stack.mobileUrl, REQUESTS);
  redis.kill('SIGCONT');
  await sleep(500);
  redis.kill('SIGKILL');
  await sleep(500);
  const down = await drive(stack.mobileUrl, REQUESTS);
  redis = await startRedis(port);
  await sleep(2500);
  const back = await drive(stack.mobileUrl, REQUESTS);
  await stack.close();
  redis.kill('SIGKILL');
  const line = (label: string, run: { latencies: number[]; failures: number }): string =>
    `| ${label} | ${percentile(run.latencies, 50)} | ${percentile(run.latencies, 99)} | ${run.latencies[run.latencies.length - 1].toFixed(1)} | ${run.failures} |`;
  return [
    line('Redis up', up),
    line('Redis frozen (SIGSTOP)', frozen),
    line('Redis killed', down),
    line('Redis restarted', back),
  ];
}

// Entries are kept a day for stale-if-error: the shared Redis should not collect every run's.
const shared = runEnv(
  { CACHE_ENABLED: 'true', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  `measure:${Date.now()}`,
);
const lines = [
  '# Caching measurements',
  '',
  `Node ${process.version}, ${new Date().toISOString()}, one process on loopback (\`npm run measure:caching\`).`,
  `${REQUESTS} GET /mobile/profile over ${USERS} users, ${CONCURRENCY} at a time.`,
  '',
  '| gateway | upstream calls (user + order + preference) | failed answers |',
  '| --- | --- | --- |',
  await upstreamCallsPerThousand('caching off', { CACHE_ENABLED: 'false' }),
  await upstreamCallsPerThousand('caching on, memory only', { CACHE_ENABLED: 'true' }),
  await upstreamCallsPerThousand('caching on, memory + Redis', shared.env),
  '',
  'Answer time with Redis up, frozen, killed and restarted (resource TTL 1 s, response cache off, so Redis is consulted throughout):',
  '',
  '| Redis | p50 ms | p99 ms | max ms | failed answers |',
  '| --- | --- | --- | --- | --- |',
  ...(await redisUpAndDown()),
  '',
];
await shared.deleteKeys();
const report = lines.join('\n');
writeFileSync(new URL('./CACHING.md', import.meta.url).pathname.replace('/dist/bench/', '/bench/'), report);
console.log(report);
process.exit(0);
