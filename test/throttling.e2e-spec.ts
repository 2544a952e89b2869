import { setTimeout as sleep } from 'node:timers/promises';
import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import {
  adminHeaders,
  alternate,
  rateLimitHeaderNames,
  rateLimitOf,
  retryAfterOf,
  startMobileReplica,
  type Replica,
} from './support/throttling.js';
import { bearer } from './support/tokens.js';

/*
 * Rate limits counted in memory (no REDIS_URL): each BFF, and each replica
 * of one, keeps its own windows. Every test counts as a caller of its own,
 * so no test spends another's limits.
 */

const preferences = (base: string, sub: string): Promise<Response> =>
  fetch(`${base}/web/preferences`, { headers: bearer(sub) });
const profile = (base: string, sub: string): Promise<Response> =>
  fetch(`${base}/mobile/profile`, { headers: bearer(sub) });

describe('rate limits a caller sees on its answers', () => {
  // A burst this large never binds here, so the sustained window is the one reported, deterministically.
  const env = {
    THROTTLE_ENABLED: 'true',
    THROTTLE_BURST_LIMIT: '100',
    THROTTLE_BURST_WINDOW_MS: '1000',
    THROTTLE_SUSTAINED_LIMIT: '30',
    THROTTLE_SUSTAINED_WINDOW_MS: '60000',
  };
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(env);
  });
  afterAll(() => stack.close());

  it('tells a caller on every answer how much is left, an aggregate spending three units and a read one', async () => {
    const first = await profile(stack.mobileUrl, 'h1');
    expect(first.status).toBe(200);
    const fields = rateLimitOf(first);
    expect(fields).toMatchObject({ limit: 30, remaining: 27, policy: '100;w=1, 30;w=60' });
    expect(fields.reset).toBeGreaterThanOrEqual(1);
    expect(fields.reset).toBeLessThanOrEqual(60);
    expect(rateLimitOf(await profile(stack.mobileUrl, 'h1')).remaining).toBe(24);

    expect(rateLimitOf(await preferences(stack.webUrl, 'h2')).remaining).toBe(29);
    expect(rateLimitOf(await preferences(stack.webUrl, 'h2')).remaining).toBe(28);
  });

  it("never lets one user's flood throttle another user", async () => {
    const flood = await Promise.all(Array.from({ length: 40 }, () => preferences(stack.webUrl, 'flooder')));
    const statuses = flood.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(30);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);

    const quiet = await preferences(stack.webUrl, 'quiet');
    expect(quiet.status).toBe(200);
    expect(rateLimitOf(quiet)).toMatchObject({ limit: 30, remaining: 29 });
    expect((await preferences(stack.webUrl, 'flooder')).status).toBe(429);
  });

  it('shows an operator what a user has spent in each window, without spending any of it', async () => {
    for (let call = 0; call < 4; call += 1) {
      expect((await preferences(stack.webUrl, 'inspected')).status).toBe(200);
    }
    expect((await fetch(`${stack.webUrl}/web/dashboard`, { headers: bearer('inspected') })).status).toBe(200);

    const read = (): Promise<Response> =>
      fetch(`${stack.webUrl}/admin/rate-limits?key=user:inspected`, { headers: adminHeaders('ops-view') });
    const response = await read();
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      key: 'user:inspected',
      enforced: true,
      // No Redis: each instance counts on its own.
      countedBy: 'this-instance',
      windows: [
        {
          name: 'burst',
          limit: 100,
          windowMs: 1000,
          // The one-second window may have started again between the calls.
          used: expect.any(Number),
          remaining: 100 - body.windows[0].used,
          resetInMs: expect.any(Number),
          blocked: false,
          blockedForMs: 0,
        },
        {
          name: 'sustained',
          limit: 30,
          windowMs: 60_000,
          used: 7,
          remaining: 23,
          resetInMs: expect.any(Number),
          blocked: false,
          blockedForMs: 0,
        },
      ],
    });
    expect(body.windows[0].used).toBeLessThanOrEqual(7);
    expect(body.windows[1].resetInMs).toBeGreaterThan(0);
    expect(body.windows[1].resetInMs).toBeLessThanOrEqual(60_000);

    // Reading is free: the user's counters are where they were.
    expect((await (await read()).json()).windows[1].used).toBe(7);
  });

  it.each([
    ['a key without a kind', 'key=inspected'],
    ['an unknown kind', 'key=session:abc'],
    ['an empty id', 'key=user:'],
    ['an id with a space', 'key=user:a%20b'],
    ['an address that is none', 'key=ip:notanip'],
    ['no key at all', ''],
    ['an unknown parameter', 'key=user:u1&window=burst'],
  ])('refuses a rate-limit query with %s as a 400 problem', async (_case, query) => {
    const response = await fetch(`${stack.webUrl}/admin/rate-limits?${query}`, {
      headers: adminHeaders('ops-view'),
    });
    await expectProblem(response, 400);
  });

  it('spends nothing of anyone on a request refused for its credentials or its role', async () => {
    const refused = [
      await fetch(`${stack.mobileUrl}/mobile/profile`),
      await fetch(`${stack.mobileUrl}/mobile/profile`, { headers: { authorization: 'Bearer not.a.jwt' } }),
      await fetch(`${stack.mobileUrl}/admin/services`, { headers: bearer('no-role') }),
    ];
    expect(refused.map((response) => response.status)).toEqual([401, 401, 403]);
    for (const response of refused) {
      expect(rateLimitHeaderNames(response)).toEqual([]);
    }

    const spent = async (key: string): Promise<number[]> => {
      const body = await (
        await fetch(`${stack.mobileUrl}/admin/rate-limits?key=${key}`, { headers: adminHeaders('ops-view') })
      ).json();
      return body.windows.map((window: { used: number }) => window.used);
    };
    expect(await spent('ip:127.0.0.1')).toEqual([0, 0]);
    expect(await spent('user:no-role')).toEqual([0, 0]);
  });
});

describe('a short burst window over a longer sustained one', () => {
  const env = {
    THROTTLE_ENABLED: 'true',
    THROTTLE_BURST_LIMIT: '3',
    THROTTLE_BURST_WINDOW_MS: '1000',
    THROTTLE_SUSTAINED_LIMIT: '5',
    THROTTLE_SUSTAINED_WINDOW_MS: '60000',
  };
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(env);
  });
  afterAll(() => stack.close());

  it('refuses a fourth request within the second, then refuses the sixth for the sustained window though the burst has room again', async () => {
    const served = async (): Promise<Response> => {
      const response = await preferences(stack.webUrl, 'w1');
      expect(response.status).toBe(200);
      expect(rateLimitOf(response).policy).toBe('3;w=1, 5;w=60');
      return response;
    };
    for (let call = 0; call < 3; call += 1) {
      await served();
    }
    const burstRefusal = await preferences(stack.webUrl, 'w1');
    await expectProblem(burstRefusal, 429);
    expect(rateLimitOf(burstRefusal)).toMatchObject({ limit: 3, remaining: 0 });
    expect(retryAfterOf(burstRefusal)).toBe(1);

    // A blocked request spends nothing, so polling costs no units until the one that gets through.
    await vi.waitFor(
      async () => {
        expect((await preferences(stack.webUrl, 'w1')).status).toBe(200);
      },
      { timeout: 3_000, interval: 100 },
    );
    const fifth = await served();
    expect(rateLimitOf(fifth).remaining).toBe(0);

    const sustainedRefusal = await preferences(stack.webUrl, 'w1');
    await expectProblem(sustainedRefusal, 429);
    // Blocked for the sustained window, a minute, not the burst's second.
    expect(retryAfterOf(sustainedRefusal)).toBeGreaterThan(50);
    expect(retryAfterOf(sustainedRefusal)).toBeLessThanOrEqual(60);
  });

  /*
   * A request the sustained window refuses still spends a unit of the burst
   * window, which the guard consults first; the next request, refused by the
   * burst, must still be told to wait for the sustained window.
   */
  it('tells a caller the sustained window refuses to wait for that window, on every refusal', async () => {
    for (let call = 0; call < 3; call += 1) {
      expect((await preferences(stack.webUrl, 'w2')).status).toBe(200);
    }
    await vi.waitFor(
      async () => {
        expect((await preferences(stack.webUrl, 'w2')).status).toBe(200);
      },
      { timeout: 3_000, interval: 100 },
    );
    expect((await preferences(stack.webUrl, 'w2')).status).toBe(200);

    const refusals = [await preferences(stack.webUrl, 'w2'), await preferences(stack.webUrl, 'w2')];
    expect(refusals.map((refusal) => refusal.status)).toEqual([429, 429]);
    for (const refusal of refusals) {
      expect(retryAfterOf(refusal)).toBeGreaterThan(50);
    }
  });

  it('answers past the limit with a 429 problem that says when to retry, and serves the caller once it has waited that long', async () => {
    for (let call = 0; call < 3; call += 1) {
      expect((await preferences(stack.webUrl, 'r1')).status).toBe(200);
    }
    const refused = await preferences(stack.webUrl, 'r1');
    const problem = await expectProblem(refused, 429);
    expect(problem.type).toMatch(/too-many-requests$/);
    const retryAfter = retryAfterOf(refused);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(rateLimitOf(refused)).toMatchObject({ limit: 3, remaining: 0 });
    expect(rateLimitOf(refused).policy).toContain('3;w=1');

    // The point of the test is the client's own wait: exactly what Retry-After asked for.
    await sleep(retryAfter * 1000);
    expect((await preferences(stack.webUrl, 'r1')).status).toBe(200);
  });

  it('spends three units of the burst on one aggregate, leaving nothing for a second within the second', async () => {
    const first = await profile(stack.mobileUrl, 'a1');
    expect(first.status).toBe(200);
    expect(rateLimitOf(first)).toMatchObject({ limit: 3, remaining: 0 });
    await expectProblem(await profile(stack.mobileUrl, 'a1'), 429);
  });

  it('never throttles the health checks nor labels them with rate limits, however often they are called', async () => {
    const paths = ['/health', '/health/live', '/health/liveness', '/health/ready', '/health/readiness'];
    const calls = [stack.mobileUrl, stack.webUrl].flatMap((base) =>
      paths.flatMap((path) => Array.from({ length: 15 }, () => fetch(`${base}${path}`))),
    );
    const answers = await Promise.all(calls);
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([200]));
    expect(new Set(answers.flatMap(rateLimitHeaderNames))).toEqual(new Set());
  });
});

describe('two instances without Redis', () => {
  const LIMIT = 10;
  let stack: Stack;
  let replica: Replica;

  beforeAll(async () => {
    stack = await startStack({
      THROTTLE_ENABLED: 'true',
      THROTTLE_BURST_LIMIT: '1000',
      THROTTLE_SUSTAINED_LIMIT: String(LIMIT),
      THROTTLE_SUSTAINED_WINDOW_MS: '60000',
    });
    replica = await startMobileReplica(stack);
  });
  afterAll(async () => {
    await replica.close();
    await stack.close();
  });

  it('lets a caller spend the limit once on each instance, as each counts in its own memory', async () => {
    const answers = await alternate([stack.mobileUrl, replica.url], 3 * LIMIT, (base) =>
      fetch(`${base}/admin/services`, { headers: adminHeaders('ops-memory') }),
    );
    for (const base of [stack.mobileUrl, replica.url]) {
      const mine = answers.filter((answer) => answer.base === base).map((answer) => answer.status);
      expect(mine.filter((status) => status === 200)).toHaveLength(LIMIT);
      expect(mine.filter((status) => status === 429)).toHaveLength(LIMIT / 2);
    }
  });
});

describe('waiting as told by the rate-limit headers', () => {
  // Two units a second and two per four seconds: after two requests, both windows are spent at once.
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      THROTTLE_ENABLED: 'true',
      THROTTLE_BURST_LIMIT: '2',
      THROTTLE_BURST_WINDOW_MS: '1000',
      THROTTLE_SUSTAINED_LIMIT: '2',
      THROTTLE_SUSTAINED_WINDOW_MS: '4000',
    });
  });
  afterAll(() => stack.close());

  it('gets a caller through once it has waited its Retry-After, even when a window that did not refuse is spent too', async () => {
    expect((await preferences(stack.webUrl, 'patient')).status).toBe(200);
    expect((await preferences(stack.webUrl, 'patient')).status).toBe(200);

    const refused = await preferences(stack.webUrl, 'patient');
    await expectProblem(refused, 429);
    // The burst refused it, but the four-second window is spent as well: a second would not do.
    const wait = retryAfterOf(refused);
    expect(wait).toBeGreaterThan(1);
    expect(wait).toBeLessThanOrEqual(4);

    await sleep(wait * 1000 + 100);
    expect((await preferences(stack.webUrl, 'patient')).status).toBe(200);
  });

  it('lets a caller through when the Reset it was told has passed, not a whole window after its refusal', async () => {
    expect((await preferences(stack.webUrl, 'pacer')).status).toBe(200);
    const last = await preferences(stack.webUrl, 'pacer');
    expect(last.status).toBe(200);
    const { remaining, reset } = rateLimitOf(last);
    expect(remaining).toBe(0);
    expect(reset).toBeGreaterThan(1);
    const resetsAt = Date.now() + reset * 1000;

    // Refused meanwhile, past the burst window: the refusal must not push the reset further out.
    await sleep(1_100);
    await expectProblem(await preferences(stack.webUrl, 'pacer'), 429);

    await sleep(Math.max(0, resetsAt - Date.now()) + 100);
    expect((await preferences(stack.webUrl, 'pacer')).status).toBe(200);
  });
});
