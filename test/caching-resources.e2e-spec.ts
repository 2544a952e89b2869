import type { IncomingMessage } from 'node:http';
import { demoPreferences, type DemoPreferences } from '../apps/demo-services/src/demo-data.js';
import { FakeUpstream } from './support/fake-upstream.js';
import { demoUserAnswer, expectedProfile, readProfile } from './support/mobile-profile.fixture.js';
import { timed } from './support/process-faults.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

/*
 * The resource cache of the service clients, memory only (no REDIS_URL).
 * The response cache is off (CACHE_RESPONSE_TTL_S=0) so every profile runs
 * the controller and its service clients, and what reaches an upstream is
 * decided by the resource cache alone.
 */
const RESOURCE_CACHE_ONLY = { CACHE_ENABLED: 'true', CACHE_RESPONSE_TTL_S: '0' };

const BREAKER_OUT_OF_REACH = {
  UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '1000',
  UPSTREAM_BREAKER_FAILURE_RATE: '1',
};

const profileOf = (stack: Stack, sub: string): Promise<Response> =>
  fetch(`${stack.mobileUrl}/mobile/profile`, { headers: bearer(sub) });

describe('upstream resources served from the cache', () => {
  /** Slow enough that 50 requests arrive while the first load is still out. */
  const USER_LATENCY_MS = 100;
  let users: FakeUpstream;
  let stack: Stack;

  beforeAll(async () => {
    users = await FakeUpstream.start();
    users.respond((request) => ({ ...demoUserAnswer(request), delayMs: USER_LATENCY_MS }));
    stack = await startStack({ USER_SERVICE_URL: users.url, ...RESOURCE_CACHE_ONLY });
  });
  afterAll(async () => {
    try {
      await stack.close();
    } finally {
      await users.close();
    }
  });

  const userRequestsFor = (userId: string): number =>
    users.received.filter((request) => request.url === `/users/${userId}`).length;

  it('serves a repeated profile within the freshness of its parts without calling any upstream', async () => {
    const first = await profileOf(stack, 'r1');
    expect(await readProfile(first)).toEqual(expectedProfile('r1'));
    stack.demo.faults.order.resetCount();
    stack.demo.faults.preference.resetCount();
    const usersBefore = users.received.length;

    const second = await profileOf(stack, 'r1');
    expect(second.status).toBe(200);
    expect(await readProfile(second)).toEqual(expectedProfile('r1'));
    expect(users.received.length).toBe(usersBefore);
    expect(stack.demo.faults.order.requestCount()).toBe(0);
    expect(stack.demo.faults.preference.requestCount()).toBe(0);
  });

  it('reloads every part from the upstreams for a client that asks with Cache-Control: no-cache', async () => {
    await profileOf(stack, 'r9');
    stack.demo.faults.order.resetCount();
    stack.demo.faults.preference.resetCount();
    const usersBefore = users.received.length;

    const refreshed = await fetch(`${stack.mobileUrl}/mobile/profile`, {
      headers: { ...bearer('r9'), 'cache-control': 'no-cache' },
    });
    expect(await readProfile(refreshed)).toEqual(expectedProfile('r9'));
    expect(users.received.length).toBe(usersBefore + 1);
    expect(stack.demo.faults.order.requestCount()).toBe(1);
    expect(stack.demo.faults.preference.requestCount()).toBe(1);
  });

  it('asks each upstream once when 50 first profiles of one user arrive together', async () => {
    stack.demo.faults.order.resetCount();
    stack.demo.faults.preference.resetCount();

    const answers = await Promise.all(Array.from({ length: 50 }, () => profileOf(stack, 'r2')));

    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(await readProfile(answer)).toEqual(expectedProfile('r2'));
    }
    expect(userRequestsFor('r2')).toBe(1);
    expect(stack.demo.faults.order.requestCount()).toBe(1);
    expect(stack.demo.faults.preference.requestCount()).toBe(1);
  });
});

describe('preferences past their freshness while the preference service is down', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      ...RESOURCE_CACHE_ONLY,
      PREFERENCE_SERVICE_CACHE_TTL_S: '1',
      // No window for serving stale data while refreshing: past its second, an entry is only a fallback.
      CACHE_STALE_WHILE_REVALIDATE_S: '0',
      CACHE_STALE_IF_ERROR_S: '3600',
      ...BREAKER_OUT_OF_REACH,
    });
  });
  afterAll(() => stack.close());

  it('serves the last preferences it loaded, flagged stale with their age, instead of neutral ones', async () => {
    const userId = 's1';
    expect(await readProfile(await profileOf(stack, userId))).toEqual(expectedProfile(userId));
    stack.demo.faults.preference.set({ down: true });

    // Within the second the entry is fresh and served as it is; the first answer past it meets the outage.
    const { response, body } = await vi.waitFor(
      async () => {
        const answer = await profileOf(stack, userId);
        const read = await readProfile(answer);
        expect(read.meta.sections.preferences.status).toBe('stale');
        return { response: answer, body: read };
      },
      { timeout: 5_000, interval: 100 },
    );

    expect(response.status).toBe(200);
    expect(response.headers.get('x-response-complete')).toBe('false');
    const { preferences: stale, ...others } = body.meta.sections;
    expect(stale.ageMs).toBeGreaterThanOrEqual(1_000);
    const expected = expectedProfile(userId);
    expect(body).toEqual({
      ...expected,
      meta: { degraded: ['preferences'], sections: { ...others, preferences: stale } },
    });
    expect(others).toEqual({ user: { status: 'ok' }, recentOrders: { status: 'ok' } });
  });
});

describe('a user past its freshness while the user service hangs past the request deadline', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      ...RESOURCE_CACHE_ONLY,
      USER_SERVICE_CACHE_TTL_S: '1',
      CACHE_STALE_WHILE_REVALIDATE_S: '0',
      CACHE_STALE_IF_ERROR_S: '3600',
      // The deadline ends the call before its own timeout would.
      AGGREGATE_DEADLINE_MS: '600',
      USER_SERVICE_TIMEOUT_MS: '5000',
      ...BREAKER_OUT_OF_REACH,
    });
  });
  afterAll(() => stack.close());

  it('serves the last user it loaded, flagged stale, before the deadline, rather than answering 504', async () => {
    const userId = 's-deadline';
    expect((await profileOf(stack, userId)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    stack.demo.faults.user.set({ hang: true });
    try {
      const response = await profileOf(stack, userId);

      expect(response.status).toBe(200);
      const body = await readProfile(response);
      expect(body.user.id).toBe(userId);
      expect(body.meta.sections.user.status).toBe('stale');
    } finally {
      stack.demo.faults.user.reset();
    }
  });
});

describe('preferences just past their freshness', () => {
  /** The refresh takes this long; an answer that waited for it would come after it. */
  const PREFERENCE_LATENCY_MS = 800;
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      ...RESOURCE_CACHE_ONLY,
      PREFERENCE_SERVICE_CACHE_TTL_S: '1',
      CACHE_STALE_WHILE_REVALIDATE_S: '30',
      // The slow refresh must not time out: it is what the next answer shows.
      PREFERENCE_SERVICE_TIMEOUT_MS: String(PREFERENCE_LATENCY_MS * 3),
    });
  });
  afterAll(() => stack.close());

  it('serves them at once, flagged stale, refreshes them once in the background, then serves them fresh', async () => {
    const userId = 's2';
    expect(await readProfile(await profileOf(stack, userId))).toEqual(expectedProfile(userId));
    stack.demo.faults.preference.resetCount();
    stack.demo.faults.preference.set({ latencyMs: PREFERENCE_LATENCY_MS });

    const { body, ms } = await vi.waitFor(
      async () => {
        const { value: answer, ms: took } = await timed(() => profileOf(stack, userId));
        const read = await readProfile(answer);
        expect(read.meta.sections.preferences.status).toBe('stale');
        return { body: read, ms: took };
      },
      { timeout: 5_000, interval: 100 },
    );
    // A bound on behaviour: the stale answer did not wait for the slow upstream.
    expect(ms).toBeLessThan(PREFERENCE_LATENCY_MS);
    expect(body.preferences).toEqual(expectedProfile(userId).preferences);
    expect(body.meta.degraded).toEqual(['preferences']);
    expect(body.meta.sections.preferences.ageMs).toBeGreaterThanOrEqual(1_000);

    // Answers meanwhile are stale too and share the refresh already under way.
    const fresh = await vi.waitFor(
      async () => {
        const read = await readProfile(await profileOf(stack, userId));
        expect(read.meta.sections.preferences.status).toBe('ok');
        return read;
      },
      { timeout: 5_000, interval: 100 },
    );
    expect(fresh).toEqual(expectedProfile(userId));
    expect(stack.demo.faults.preference.requestCount()).toBe(1);
  });
});

describe('order lists and details past their freshness while the order service is down', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      ...RESOURCE_CACHE_ONLY,
      ORDER_SERVICE_CACHE_TTL_S: '1',
      CACHE_STALE_WHILE_REVALIDATE_S: '0',
      CACHE_STALE_IF_ERROR_S: '3600',
      ...BREAKER_OUT_OF_REACH,
    });
  });
  afterAll(() => stack.close());

  it('serves the last orders it loaded with X-Response-Complete: false and their Age, never as if current', async () => {
    const userId = 's3';
    const paths = [
      `${stack.webUrl}/web/orders`,
      `${stack.mobileUrl}/mobile/orders`,
      `${stack.mobileUrl}/mobile/orders/o-${userId}-1`,
    ];
    const get = (url: string): Promise<Response> => fetch(url, { headers: bearer(userId) });
    const fresh = await Promise.all(paths.map(get));
    for (const response of fresh) {
      expect(response.status).toBe(200);
      expect(response.headers.get('x-response-complete')).toBeNull();
      expect(response.headers.get('age')).toBeNull();
    }
    const freshBodies = await Promise.all(fresh.map((response) => response.json()));
    stack.demo.faults.order.set({ down: true });

    await vi.waitFor(
      async () => {
        const stale = await Promise.all(paths.map(get));
        expect(stale.map((response) => response.status)).toEqual([200, 200, 200]);
        for (const response of stale) {
          expect(response.headers.get('x-response-complete')).toBe('false');
          expect(Number(response.headers.get('age'))).toBeGreaterThanOrEqual(1);
        }
        expect(await Promise.all(stale.map((response) => response.json()))).toEqual(freshBodies);
      },
      { timeout: 5_000, interval: 200 },
    );
  });
});

describe('a write while a read of the same data is still out', () => {
  /** How long a read of the preference service takes while `slowReads` is on: it answers with what it held when asked. */
  const READ_LATENCY_MS = 400;
  let preferences: FakeUpstream;
  let stack: Stack;
  let slowReads = false;
  const held = new Map<string, DemoPreferences>();
  const userOf = (request: IncomingMessage): string =>
    decodeURIComponent((request.url ?? '').split('?')[0].replace(/^\/preferences\//, ''));

  beforeAll(async () => {
    preferences = await FakeUpstream.start();
    preferences.respond((request) => {
      const userId = userOf(request);
      const before = held.get(userId) ?? demoPreferences(userId);
      if (request.method === 'PATCH') {
        // The suite's writes all switch the language to Finnish.
        const after = { ...before, language: 'fi', updatedAt: new Date().toISOString() };
        held.set(userId, after);
        return { kind: 'json', body: after };
      }
      return { kind: 'json', body: before, delayMs: slowReads ? READ_LATENCY_MS : undefined };
    });
    stack = await startStack({ PREFERENCE_SERVICE_URL: preferences.url, CACHE_ENABLED: 'true' });
  });
  afterAll(async () => {
    try {
      await stack.close();
    } finally {
      await preferences.close();
    }
  });
  afterEach(() => {
    slowReads = false;
  });

  /** Sends `read`, then the caller's write once the read has reached the preference service; the read's own answer. */
  async function writeDuring(userId: string, read: () => Promise<Response>): Promise<Response> {
    slowReads = true;
    const reading = read();
    await vi.waitFor(
      () =>
        expect(preferences.received.some((request) => request.url === `/preferences/${userId}`)).toBe(true),
      { interval: 10 },
    );
    const written = await fetch(`${stack.webUrl}/web/preferences`, {
      method: 'PATCH',
      headers: { ...bearer(userId), 'content-type': 'application/json' },
      body: JSON.stringify({ language: 'fi' }),
    });
    expect(written.status).toBe(200);
    const answer = await reading;
    slowReads = false;
    return answer;
  }

  it('keeps the written preferences, not the older ones a read still out brought back after the write', async () => {
    const read = (): Promise<Response> =>
      fetch(`${stack.webUrl}/web/preferences`, { headers: bearer('w-race-1') });
    expect((await writeDuring('w-race-1', read)).status).toBe(200);

    const after = await read();
    expect(after.status).toBe(200);
    expect(((await after.json()) as { language: string }).language).toBe('fi');
  });

  it('does not keep a profile built during the write: the next one shows the written preferences', async () => {
    expect((await writeDuring('w-race-2', () => profileOf(stack, 'w-race-2'))).status).toBe(200);

    const after = await profileOf(stack, 'w-race-2');
    expect(after.status).toBe(200);
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(((await after.json()) as { preferences: { language: string } }).preferences.language).toBe('fi');
  });
});

describe('a reload asked for while the user service is down', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      ...RESOURCE_CACHE_ONLY,
      USER_SERVICE_CACHE_TTL_S: '1',
      CACHE_STALE_WHILE_REVALIDATE_S: '0',
      CACHE_STALE_IF_ERROR_S: '3600',
      ...BREAKER_OUT_OF_REACH,
    });
  });
  afterAll(() => stack.close());

  it('still serves the last user it loaded, flagged stale, to the client that asked and to every request after it', async () => {
    const userId = 'nc1';
    expect((await profileOf(stack, userId)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    stack.demo.faults.user.set({ down: true });
    try {
      const reload = await fetch(`${stack.mobileUrl}/mobile/profile`, {
        headers: { ...bearer(userId), 'cache-control': 'no-cache' },
      });
      expect(reload.status).toBe(200);
      expect((await readProfile(reload)).meta.sections.user.status).toBe('stale');

      for (const later of [await profileOf(stack, userId), await profileOf(stack, userId)]) {
        expect(later.status).toBe(200);
        const body = await readProfile(later);
        expect(body.user).toEqual(expectedProfile(userId).user);
        expect(body.meta.sections.user.status).toBe('stale');
      }
    } finally {
      stack.demo.faults.user.reset();
    }
  });
});
