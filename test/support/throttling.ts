import { startMobileBff } from '../../apps/mobile-bff/src/start-mobile-bff.js';
import type { Stack } from './stack.js';
import { mintToken } from './tokens.js';

/** The IETF RateLimit fields of one answer, read as a client would. */
export interface RateLimitFields {
  limit: number;
  remaining: number;
  /** Seconds until the reported window starts again. */
  reset: number;
  /** Every window the request went through, `<limit>;w=<seconds>` each. */
  policy: string;
}

/** The RateLimit fields of an answer; fails the test when one of them is missing. */
export function rateLimitOf(response: Response): RateLimitFields {
  const field = (name: string): string => {
    const value = response.headers.get(name);
    expect(value, `${name} on a ${response.status} answer`).not.toBeNull();
    return value as string;
  };
  return {
    limit: Number(field('ratelimit-limit')),
    remaining: Number(field('ratelimit-remaining')),
    reset: Number(field('ratelimit-reset')),
    policy: field('ratelimit-policy'),
  };
}

/** Names of the RateLimit (and Retry-After) headers an answer carries: none on a route nobody counts. */
export function rateLimitHeaderNames(response: Response): string[] {
  return [...response.headers.keys()].filter(
    (name) => name.startsWith('ratelimit') || name === 'retry-after',
  );
}

/** Seconds a 429 or 503 answer asks the client to wait; fails the test when the header is missing. */
export function retryAfterOf(response: Response): number {
  const value = response.headers.get('retry-after');
  expect(value, `Retry-After on a ${response.status} answer`).toMatch(/^\d+$/);
  return Number(value);
}

/** Headers of a signed-in operator: admin routes are reachable, and the operator is counted as `user:<sub>`. */
export function adminHeaders(sub: string): Record<string, string> {
  return { authorization: `Bearer ${mintToken({ sub, roles: ['admin'] })}` };
}

export interface Replica {
  url: string;
  close(): Promise<void>;
}

/**
 * One more mobile-bff on the stack's config, as a second replica behind a
 * load balancer would be: its own process state (memory windows, Redis
 * connection), the same settings and the same Redis, if any.
 */
export async function startMobileReplica(stack: Stack): Promise<Replica> {
  const app = await startMobileBff(stack.config, 0);
  return {
    url: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
    close: () => app.close(),
  };
}

/**
 * Resolves once every BFF at `bases` reports Redis up on `/health`, like
 * `untilRedisIsUp` for instances a stack does not know about: an instance
 * counts in memory until its connection is made, so a test about sharing
 * through Redis starts after that.
 */
export async function untilRedisIsUpAt(bases: readonly string[], timeoutMs = 5_000): Promise<void> {
  await vi.waitFor(
    async () => {
      for (const base of bases) {
        // While Redis is down /health is a 503 problem; its details still name each indicator.
        const health = (await (await fetch(`${base}/health`)).json()) as {
          details?: { redis?: { status: string } };
        };
        expect(health.details?.redis?.status).toBe('up');
      }
    },
    { timeout: timeoutMs, interval: 50 },
  );
}

/** The statuses of `count` requests sent one after another, alternating over `bases`. */
export async function alternate(
  bases: readonly string[],
  count: number,
  send: (base: string) => Promise<Response>,
): Promise<Array<{ base: string; status: number }>> {
  const answers: Array<{ base: string; status: number }> = [];
  for (let index = 0; index < count; index += 1) {
    const base = bases[index % bases.length];
    const response = await send(base);
    // Read to the end so the connection goes back to the pool.
    await response.arrayBuffer();
    answers.push({ base, status: response.status });
  }
  return answers;
}
