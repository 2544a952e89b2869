import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { isStaleOnly, type AnswerKind } from './answer-check.js';
import { percentile } from './summary.js';
import type { UserSource } from './users.js';

export interface Sample {
  sub: string;
  status: number;
  body: string;
}

export interface LoadOptions {
  url: string;
  path: string;
  kind: AnswerKind;
  users: UserSource;
  connections: number;
  /**
   * How many requests, shared out among the connections. A count rather
   * than a duration: at the end of a duration autocannon closes its
   * connections with requests still in flight, whose work the gateway pays
   * for and no answer counts.
   */
  amount: number;
  /** Keep every n-th answer for the shape check. */
  sampleEvery: number;
  maxSamples: number;
}

export interface LoadResult {
  requests: number;
  /** From the start to the last answer. */
  durationS: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  status5xx: number;
  /** Connection errors and timeouts (autocannon counts a timeout as an error too). */
  errors: number;
  /** 2xx answers with a section served from cache just past its freshness while it refreshes. */
  stale: number;
  /** 2xx answers with a section missing (fallback, error, timeout): wrong for a run without faults. */
  degraded: number;
  statusCounts: Record<string, number>;
  samples: Sample[];
  /** The first few answers that were not 2xx or were degraded, kept to show what went wrong. */
  failures: Sample[];
}

const MAX_FAILURES_KEPT = 5;

function header(headers: Record<string, string | string[]>, name: string): string | string[] | undefined {
  if (name in headers) {
    return headers[name];
  }
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/**
 * One burst of load: `connections` keep-alive connections, each sending the
 * next request as soon as the last is answered, every request as the next
 * user of `users`. Every answer is looked at for its status and
 * completeness; every n-th is kept whole for the shape check.
 */
export async function drive(options: LoadOptions): Promise<LoadResult> {
  const samples: Sample[] = [];
  const failures: Sample[] = [];
  let seen = 0;
  let stale = 0;
  let degraded = 0;
  /** 2xx answers' latencies, ms: autocannon's histogram keeps whole milliseconds, which on a 50 ms answer is 2%. */
  const latenciesMs: number[] = [];
  const startedAt = performance.now();
  let lastAnswerAt = startedAt;
  const run = autocannon({
    url: options.url,
    connections: options.connections,
    amount: options.amount,
    timeout: 10,
    // autocannon notices the last answer on its next sample tick; 100 ms instead of 1 s keeps rounds back to back.
    sampleInt: 100,
    requests: [
      {
        method: 'GET',
        path: options.path,
        setupRequest: (request, context) => {
          const user = options.users.next();
          context.sub = user.sub;
          return { ...request, headers: { authorization: user.authorization } };
        },
        onResponse: (status, body, context, headers) => {
          lastAnswerAt = performance.now();
          seen += 1;
          const sub = String(context.sub);
          if (status < 200 || status >= 300) {
            if (failures.length < MAX_FAILURES_KEPT) {
              failures.push({ sub, status, body });
            }
            return;
          }
          // Only answers that do not say they are complete are read: a JSON parse of every answer would load the runner.
          if (header(headers, 'x-response-complete') !== 'true') {
            if (isStaleOnly(options.kind, body)) {
              stale += 1;
            } else {
              degraded += 1;
              if (failures.length < MAX_FAILURES_KEPT) {
                failures.push({ sub, status, body });
              }
            }
          }
          if (seen % options.sampleEvery === 0 && samples.length < options.maxSamples) {
            samples.push({ sub, status, body });
          }
        },
      },
    ],
  });
  run.on('response', (_client, status, _bytes, responseTimeMs) => {
    if (status >= 200 && status < 300) {
      latenciesMs.push(responseTimeMs);
    }
  });
  const result = await run;
  latenciesMs.sort((a, b) => a - b);
  const statusCounts: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
    statusCounts[status] = count;
  }
  return {
    requests: result.requests.total,
    durationS: (lastAnswerAt - startedAt) / 1000,
    p50Ms: percentile(latenciesMs, 0.5),
    p99Ms: percentile(latenciesMs, 0.99),
    non2xx: result.non2xx,
    status5xx: result['5xx'],
    errors: result.errors,
    stale,
    degraded,
    statusCounts,
    samples,
    failures,
  };
}
