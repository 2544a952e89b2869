import { demoPreferences, THEMES } from '../apps/demo-services/src/demo-data.js';
import { expectedProfile, readProfile } from './support/mobile-profile.fixture.js';
import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

/*
 * The per-caller response cache in front of /mobile/profile and
 * /web/dashboard, memory only (no REDIS_URL). The resource cache of the
 * service clients is turned off here (every *_CACHE_TTL_S is 0), so an
 * answer that was not served by the response cache reaches the upstreams and
 * the demo services' request counts tell the two apart. The resource cache
 * has its own suite (caching-resources).
 */
const RESPONSE_TTL_S = 5;

const BREAKER_OUT_OF_REACH = {
  UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '1000',
  UPSTREAM_BREAKER_FAILURE_RATE: '1',
};

/** A theme other than the user's current one, so a patch always changes something. */
function otherTheme(userId: string): (typeof THEMES)[number] {
  const current = demoPreferences(userId).theme;
  return THEMES.find((theme) => theme !== current) ?? 'dark';
}

describe('cached profile and dashboard answers, per caller', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      CACHE_ENABLED: 'true',
      CACHE_RESPONSE_TTL_S: String(RESPONSE_TTL_S),
      USER_SERVICE_CACHE_TTL_S: '0',
      ORDER_SERVICE_CACHE_TTL_S: '0',
      PREFERENCE_SERVICE_CACHE_TTL_S: '0',
      ...BREAKER_OUT_OF_REACH,
    });
  });
  afterAll(() => stack.close());
  afterEach(() => {
    for (const faults of Object.values(stack.demo.faults)) {
      faults.reset();
    }
  });

  const profile = (sub: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${stack.mobileUrl}/mobile/profile`, { headers: { ...bearer(sub), ...headers } });
  const dashboard = (sub: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${stack.webUrl}/web/dashboard`, { headers: { ...bearer(sub), ...headers } });
  const upstreamCalls = (): Record<string, number> => ({
    user: stack.demo.faults.user.requestCount(),
    order: stack.demo.faults.order.requestCount(),
    preference: stack.demo.faults.preference.requestCount(),
  });
  const resetCounts = (): void => {
    for (const faults of Object.values(stack.demo.faults)) {
      faults.resetCount();
    }
  };

  it('serves a repeated profile within its freshness without calling any upstream', async () => {
    resetCounts();
    const first = await profile('c1');
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(await readProfile(first)).toEqual(expectedProfile('c1'));
    expect(upstreamCalls()).toEqual({ user: 1, order: 1, preference: 1 });

    const second = await profile('c1');
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(await readProfile(second)).toEqual(expectedProfile('c1'));
    expect(upstreamCalls()).toEqual({ user: 1, order: 1, preference: 1 });
  });

  it('describes a cached answer as it described the first: JSON, complete, same ETag', async () => {
    const first = await profile('c10');
    const second = await profile('c10');
    expect(second.headers.get('x-cache')).toBe('hit');
    for (const answer of [first, second]) {
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(answer.headers.get('x-response-complete')).toBe('true');
    }
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await second.text()).toBe(await first.text());
  });

  it("never hands one user's cached profile to another", async () => {
    const a = await profile('c2');
    expect(await readProfile(a)).toEqual(expectedProfile('c2'));

    const b = await profile('c3');
    expect(b.headers.get('x-cache')).toBe('miss');
    expect(await readProfile(b)).toEqual(expectedProfile('c3'));

    const aAgain = await profile('c2');
    expect(aAgain.headers.get('x-cache')).toBe('hit');
    expect(await readProfile(aAgain)).toEqual(expectedProfile('c2'));
  });

  it('marks cached answers private to the caller, with the time they stay fresh', async () => {
    const miss = await profile('c4');
    expect(miss.headers.get('cache-control')).toBe(`private, max-age=${RESPONSE_TTL_S}`);
    expect(miss.headers.get('vary')).toMatch(/authorization/i);

    const hit = await profile('c4');
    expect(hit.headers.get('x-cache')).toBe('hit');
    // What is left of the freshness, rounded down: never more than a fresh entry's.
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(hit.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(0);
    expect(maxAge).toBeLessThanOrEqual(RESPONSE_TTL_S);
  });

  it('tells browsers and proxies to keep none of the answers that are not cached: order lists, preferences, errors', async () => {
    const answers = [
      await fetch(`${stack.mobileUrl}/mobile/orders`, { headers: bearer('c4') }),
      await fetch(`${stack.webUrl}/web/orders/o-nobody-1`, { headers: bearer('c4') }),
      await fetch(`${stack.webUrl}/web/preferences`, { headers: bearer('c4') }),
      await fetch(`${stack.mobileUrl}/mobile/profile`),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 404, 200, 401]);
    for (const answer of answers) {
      expect(answer.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('answers 304 with no body to a client that already has the current answer', async () => {
    const first = await profile('c5');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/);

    const conditional = await profile('c5', { 'if-none-match': etag ?? '' });
    expect(conditional.status).toBe(304);
    expect(conditional.headers.get('etag')).toBe(etag);
    expect(conditional.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(await conditional.text()).toBe('');
  });

  it('serves the cached answer whatever query string comes with it, since the aggregate reads none', async () => {
    expect((await dashboard('c5-query')).headers.get('x-cache')).toBe('miss');
    resetCounts();

    const busted = await fetch(`${stack.webUrl}/web/dashboard?_=1733000000000`, {
      headers: bearer('c5-query'),
    });
    expect(busted.status).toBe(200);
    expect(busted.headers.get('x-cache')).toBe('hit');
    expect(upstreamCalls()).toEqual({ user: 0, order: 0, preference: 0 });
  });

  it("answers HEAD from the cached answer with GET's headers and no body, without asking the upstreams again", async () => {
    const got = await dashboard('c5-head');
    expect(got.status).toBe(200);
    resetCounts();

    const head = await fetch(`${stack.webUrl}/web/dashboard`, { method: 'HEAD', headers: bearer('c5-head') });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-cache')).toBe('hit');
    expect(head.headers.get('etag')).toBe(got.headers.get('etag'));
    expect(head.headers.get('cache-control')).toMatch(/^private, max-age=[1-9]\d*$/);
    expect(await head.text()).toBe('');
    expect(upstreamCalls()).toEqual({ user: 0, order: 0, preference: 0 });
  });

  it("answers a conditional HEAD with a 304 that states the answer's length, never a length of 0", async () => {
    const got = await dashboard('c5-head-304');
    const length = Buffer.byteLength(await got.text());

    const head = await fetch(`${stack.webUrl}/web/dashboard`, {
      method: 'HEAD',
      headers: { ...bearer('c5-head-304'), 'if-none-match': got.headers.get('etag') ?? '' },
    });

    expect(head.status).toBe(304);
    expect(head.headers.get('etag')).toBe(got.headers.get('etag'));
    // RFC 9110 §8.6: a 304 may carry Content-Length only as the length the 200 would have.
    expect(head.headers.get('content-length')).toBe(String(length));
    // And no type of its own: a cache that refreshes its stored 200 from the 304 must keep the JSON type.
    expect(head.headers.get('content-type') ?? 'application/json').toMatch(/^application\/json/);
  });

  it('gives a changed dashboard a new ETag, so a conditional request gets the new body', async () => {
    const userId = 'c6';
    const before = await dashboard(userId);
    const etag = before.headers.get('etag') ?? '';
    expect((await dashboard(userId, { 'if-none-match': etag })).status).toBe(304);

    const theme = otherTheme(userId);
    const patched = await fetch(`${stack.webUrl}/web/preferences`, {
      method: 'PATCH',
      headers: { ...bearer(userId), 'content-type': 'application/json' },
      body: JSON.stringify({ theme }),
    });
    expect(patched.status).toBe(200);

    const after = await dashboard(userId, { 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(after.headers.get('etag')).not.toBe(etag);
    expect((await after.json()).preferences.theme).toBe(theme);
  });

  it('does not keep an error: the first profile after the user service recovers is complete', async () => {
    stack.demo.faults.user.set({ down: true });
    await expectProblem(await profile('c7'), 503);

    stack.demo.faults.user.reset();
    resetCounts();
    const recovered = await profile('c7');
    expect(recovered.status).toBe(200);
    expect(recovered.headers.get('x-cache')).toBe('miss');
    expect(recovered.headers.get('x-response-complete')).toBe('true');
    expect(await readProfile(recovered)).toEqual(expectedProfile('c7'));
    expect(upstreamCalls().user).toBe(1);
  });

  it('does not keep a degraded profile: once the preference service is back the next answer has the preferences', async () => {
    stack.demo.faults.preference.set({ down: true });
    const degraded = await profile('c8');
    expect(degraded.status).toBe(200);
    expect(degraded.headers.get('x-response-complete')).toBe('false');
    // Nothing is promised to keep a degraded answer for.
    expect(degraded.headers.get('cache-control')).toBe('private, max-age=0');
    expect(await readProfile(degraded)).toEqual(expectedProfile('c8', { preferences: 'error' }));

    stack.demo.faults.preference.reset();
    const complete = await profile('c8');
    expect(complete.headers.get('x-cache')).toBe('miss');
    expect(complete.headers.get('x-response-complete')).toBe('true');
    expect(await readProfile(complete)).toEqual(expectedProfile('c8'));
  });

  it('goes to the upstreams for a client that asks with Cache-Control: no-cache', async () => {
    expect((await profile('c9')).headers.get('x-cache')).toBe('miss');
    expect((await profile('c9')).headers.get('x-cache')).toBe('hit');

    resetCounts();
    const refreshed = await profile('c9', { 'cache-control': 'no-cache' });
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get('x-cache')).toBe('miss');
    expect(await readProfile(refreshed)).toEqual(expectedProfile('c9'));
    expect(upstreamCalls()).toEqual({ user: 1, order: 1, preference: 1 });
    expect(refreshed.headers.get('cache-control')).toBe(`private, max-age=${RESPONSE_TTL_S}`);

    // The reload's answer is current: it is what the next request gets, without asking the upstreams again.
    const next = await profile('c9');
    expect(next.headers.get('x-cache')).toBe('hit');
    expect(upstreamCalls()).toEqual({ user: 1, order: 1, preference: 1 });
  });

  it.each<[string, Record<string, string>]>([
    ['a reload (Cache-Control: max-age=0)', { 'cache-control': 'max-age=0' }],
    ['an HTTP/1.0 client (Pragma: no-cache)', { pragma: 'no-cache' }],
  ])('goes to the upstreams for %s', async (_client, headers) => {
    const user = `c10-${Object.keys(headers)[0]}`;
    await profile(user);
    expect((await profile(user)).headers.get('x-cache')).toBe('hit');

    resetCounts();
    const refreshed = await profile(user, headers);
    expect(refreshed.headers.get('x-cache')).toBe('miss');
    expect(upstreamCalls()).toEqual({ user: 1, order: 1, preference: 1 });
  });

  it('keeps serving a stored answer to a client that asks for max-age=60 or for Pragma: no-cache beside Cache-Control', async () => {
    await profile('c11');
    expect((await profile('c11', { 'cache-control': 'max-age=60' })).headers.get('x-cache')).toBe('hit');
    expect(
      (await profile('c11', { 'cache-control': 'max-age=30', pragma: 'no-cache' })).headers.get('x-cache'),
    ).toBe('hit');
  });

  it('stores nothing of an answer to a client that asks with Cache-Control: no-store', async () => {
    expect((await profile('c12', { 'cache-control': 'no-store' })).headers.get('x-cache')).toBe('miss');
    expect((await profile('c12')).headers.get('x-cache')).toBe('miss');
    expect((await profile('c12')).headers.get('x-cache')).toBe('hit');
  });
});

describe('editing preferences', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ CACHE_ENABLED: 'true' });
  });
  afterAll(() => stack.close());

  const patch = (sub: string, body: unknown): Promise<Response> =>
    fetch(`${stack.webUrl}/web/preferences`, {
      method: 'PATCH',
      headers: { ...bearer(sub), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('rejects a field it does not know with a 400 problem naming it', async () => {
    const body = await expectProblem(await patch('e1', { theme: 'dark', colour: 'red' }), 400);
    expect(body.errors).toEqual([{ field: 'colour', message: 'is not a known field' }]);
  });

  it('rejects a value of the wrong type with a 400 problem naming the field', async () => {
    const body = await expectProblem(
      await patch('e1', { marketingOptIn: 'yes', notifications: { push: 1 } }),
      400,
    );
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'marketingOptIn', message: 'must be true or false' },
        { field: 'notifications.push', message: 'must be true or false' },
      ]),
    );
  });

  it('rejects a patch that changes nothing with a 400 problem', async () => {
    const body = await expectProblem(await patch('e1', {}), 400);
    expect(body.errors).toEqual([{ field: '(body)', message: 'must change at least one field' }]);
  });

  it('rejects empty notifications, which would pass for a change and write nothing, with a 400 problem', async () => {
    const body = await expectProblem(await patch('e1', { notifications: {} }), 400);
    expect(body.errors).toEqual([
      { field: 'notifications', message: 'must change at least one of email, push and sms' },
    ]);
  });

  it('stores a valid change in the preference service and answers with the updated preferences', async () => {
    const userId = 'e2';
    const { userId: _owner, ...current } = demoPreferences(userId);
    const change = { theme: otherTheme(userId), notifications: { sms: !current.notifications.sms } };

    const response = await patch(userId, change);
    expect(response.status).toBe(200);
    const updated = await response.json();
    expect(updated).toEqual({
      ...current,
      theme: change.theme,
      notifications: { ...current.notifications, sms: change.notifications.sms },
      updatedAt: expect.any(String),
    });
    expect(updated.updatedAt).not.toBe(current.updatedAt);

    const stored = await (await fetch(`${stack.demo.urls.preference}/preferences/${userId}`)).json();
    expect(stored).toEqual({ userId, ...updated });
  });

  it('shows the change in the next read on the same instance, though the old preferences were cached', async () => {
    const userId = 'e3';
    const read = (): Promise<Response> =>
      fetch(`${stack.webUrl}/web/preferences`, { headers: bearer(userId) });
    expect((await (await read()).json()).theme).toBe(demoPreferences(userId).theme);

    const theme = otherTheme(userId);
    expect((await patch(userId, { theme })).status).toBe(200);
    expect((await (await read()).json()).theme).toBe(theme);
  });

  it('shows a change made through the web app in the next mobile profile, without Redis', async () => {
    const userId = 'e4';
    const profile = async (): Promise<{ preferences: { theme: string }; meta: { degraded: string[] } }> =>
      (await fetch(`${stack.mobileUrl}/mobile/profile`, { headers: bearer(userId) })).json();
    expect((await profile()).preferences.theme).toBe(demoPreferences(userId).theme);

    const theme = otherTheme(userId);
    expect((await patch(userId, { theme })).status).toBe(200);
    const after = await profile();
    expect(after.preferences.theme).toBe(theme);
    expect(after.meta.degraded).toEqual([]);
  });
});
