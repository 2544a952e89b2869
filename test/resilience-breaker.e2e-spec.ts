import type { FaultKnobs } from '@app/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_MISSING_USER } from '../apps/demo-services/src/demo-data.js';
import type { MobileProfile } from '../apps/mobile-bff/src/profile/mobile-profile.js';
import { FakeUpstream } from './support/fake-upstream.js';
import {
  demoOrderPageAnswer,
  demoPreferencesAnswer,
  demoUserAnswer,
  expectedProfile,
  NEUTRAL_PREFERENCES,
  readProfile,
} from './support/mobile-profile.fixture.js';
import { expectProblem } from './support/problem.js';
import { watchProcessFaults } from './support/process-faults.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer, mintToken } from './support/tokens.js';

const faults = watchProcessFaults();
afterAll(() => faults.stop());

const profileOf = (stack: Stack, sub: string): Promise<Response> =>
  fetch(`${stack.mobileUrl}/mobile/profile`, { headers: bearer(sub) });

type SectionStatus = MobileProfile['meta']['sections'][string]['status'];

async function ordersStatusOf(response: Response): Promise<SectionStatus> {
  expect(response.status).toBe(200);
  const body = await readProfile(response);
  expect(body.user.id).toBe('u1');
  return body.meta.sections.recentOrders.status;
}

describe('the order service breaker', () => {
  const opensAfter = 5;
  const cooldownMs = 500;
  let stack: Stack;

  // A stack per test: each starts with a closed breaker.
  beforeEach(async () => {
    stack = await startStack({
      UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: String(opensAfter),
      ORDER_SERVICE_BREAKER_COOLDOWN_MS: String(cooldownMs),
    });
    stack.demo.faults.order.set({ errorRate: 1 });
    stack.demo.faults.order.resetCount();
  });
  afterEach(() => stack.close());

  const profile = (): Promise<Response> => profileOf(stack, 'u1');

  async function openTheBreaker(): Promise<void> {
    for (let call = 0; call < opensAfter; call += 1) {
      expect(await ordersStatusOf(await profile())).toBe('error');
    }
    // A 500 is not retried: each of those calls reached the service once.
    expect(stack.demo.faults.order.requestCount()).toBe(opensAfter);
  }

  it('stops calling an order service that failed five times in a row, and serves profiles flagged "fallback" meanwhile', async () => {
    await openTheBreaker();

    const statuses: SectionStatus[] = [];
    for (let call = 0; call < 35; call += 1) {
      statuses.push(await ordersStatusOf(await profile()));
    }
    // Well within the cool-down: the breaker is open.
    expect(statuses[0]).toBe('fallback');
    // After each cool-down one call probes the service (and fails, flagged "error"); every other call
    // is served the fallback without a request.
    const probes = statuses.filter((status) => status === 'error').length;
    expect(statuses.filter((status) => status === 'fallback')).toHaveLength(statuses.length - probes);
    expect(stack.demo.faults.order.requestCount()).toBe(opensAfter + probes);
    expect(stack.demo.faults.order.requestCount()).toBeLessThan(opensAfter + statuses.length / 3);
  });

  it('serves complete profiles again once the order service has recovered and the cool-down has passed', async () => {
    await openTheBreaker();
    stack.demo.faults.order.reset();
    // The service is back, but the breaker does not know yet.
    expect(await ordersStatusOf(await profile())).toBe('fallback');

    await vi.waitFor(
      async () => {
        const response = await profile();
        expect(response.headers.get('x-response-complete')).toBe('true');
        expect(await readProfile(response)).toEqual(expectedProfile('u1'));
      },
      { timeout: cooldownMs * 6, interval: 50 },
    );
    // Closed for good: the next calls reach the service again.
    const before = stack.demo.faults.order.requestCount();
    for (let call = 0; call < 5; call += 1) {
      expect(await ordersStatusOf(await profile())).toBe('ok');
    }
    expect(stack.demo.faults.order.requestCount()).toBe(before + 5);
  });
});

describe('a profile refused without calling the user service', () => {
  const cooldownS = 30;
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '3',
      USER_SERVICE_BREAKER_COOLDOWN_MS: String(cooldownS * 1000),
      USER_SERVICE_MAX_IN_FLIGHT: '1',
      // Room for a slow call that holds the one slot.
      USER_SERVICE_TIMEOUT_MS: '3000',
      AGGREGATE_DEADLINE_MS: '3000',
    });
  });
  afterAll(() => stack.close());
  afterEach(() => {
    stack.demo.faults.user.reset();
  });

  it('tells the client to come back in a moment, not that the user service is down, when the gateway is at capacity', async () => {
    stack.demo.faults.user.set({ latencyMs: 1_000 });
    const first = profileOf(stack, 'u1');
    // The first call holds the one slot for a second.
    await sleep(200);
    const refused = await profileOf(stack, 'u2');
    expect((await first).status).toBe(200);

    const problem = await expectProblem(refused, 503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(problem.detail).toMatch(/capacity/);
    expect(problem.detail).not.toMatch(/is unavailable/);
    // The gateway's own limit says nothing about the service: its breaker stays closed.
    expect((await profileOf(stack, 'u3')).status).toBe(200);
  });

  it("tells the client how long the user service's open breaker has left before it tries again", async () => {
    stack.demo.faults.user.set({ errorRate: 1 });
    for (let call = 0; call < 3; call += 1) {
      // Each a 500 from the service: a bad gateway, and a failure the breaker counts.
      await expectProblem(await profileOf(stack, 'u1'), 502);
    }
    stack.demo.faults.user.resetCount();

    const refused = await profileOf(stack, 'u1');

    await expectProblem(refused, 503);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(cooldownS - 5);
    expect(retryAfter).toBeLessThanOrEqual(cooldownS);
    expect(stack.demo.faults.user.requestCount()).toBe(0);
  });
});

describe('the call that opens a breaker', () => {
  const cooldownS = 30;
  let stack: Stack;

  // A stack per test: each starts with a closed breaker.
  beforeEach(async () => {
    stack = await startStack({
      UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '3',
      USER_SERVICE_BREAKER_COOLDOWN_MS: String(cooldownS * 1000),
      USER_SERVICE_TIMEOUT_MS: '200',
    });
  });
  afterEach(() => stack.close());

  it.each<[string, Partial<FaultKnobs>, number]>([
    ['refuses connections', { down: true }, 503],
    ['answers 500', { errorRate: 1 }, 502],
    ['does not answer in time', { latencyMs: 1_000 }, 504],
  ])(
    'tells its client how long the cool-down lasts, as it tells those refused after it, when the service %s',
    async (_failure, faults, status) => {
      stack.demo.faults.user.set(faults);
      const answers: Response[] = [];
      for (let call = 0; call < 3; call += 1) {
        answers.push(await profileOf(stack, 'u1'));
      }
      for (const answer of answers) {
        await expectProblem(answer, status);
      }
      // The first two failed with the breaker still closed: nothing says when the service will be back.
      expect(answers.slice(0, 2).map((answer) => answer.headers.get('retry-after'))).toEqual([null, null]);
      const opening = Number(answers[2].headers.get('retry-after'));
      expect(opening).toBeGreaterThanOrEqual(cooldownS - 5);
      expect(opening).toBeLessThanOrEqual(cooldownS);
    },
  );
});

describe('the user service breaker and answers in the 4xx range', () => {
  let stack: Stack;
  let users: FakeUpstream;
  let usersBehindFake: Stack;

  beforeAll(async () => {
    stack = await startStack({ UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '5' });
    users = await FakeUpstream.start();
    usersBehindFake = await startStack({
      USER_SERVICE_URL: users.url,
      UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '5',
    });
  });
  afterAll(async () => {
    await stack.close();
    await usersBehindFake.close();
    await users.close();
  });

  it('still serves a known user after twenty unknown ones: a 404 is an answer, not an outage', async () => {
    stack.demo.faults.user.resetCount();
    for (let unknown = 1; unknown <= 20; unknown += 1) {
      const body = await expectProblem(await profileOf(stack, `${DEMO_MISSING_USER}-${unknown}`), 404);
      expect(body.detail).toBe('The user does not exist.');
    }
    // Every one of them was asked of the service: none failed fast.
    expect(stack.demo.faults.user.requestCount()).toBe(20);
    const response = await profileOf(stack, 'u1');
    expect(await readProfile(response)).toEqual(expectedProfile('u1'));
  });

  it('still serves users after the user service refused twenty requests with 429 and 400', async () => {
    // `received` already holds the request being answered: odd counts are told to slow down, even ones are refused.
    users.respond(() =>
      users.received.length % 2 === 1
        ? { kind: 'json', status: 429, body: { error: 'slow down' } }
        : { kind: 'json', status: 400, body: { error: 'bad request' } },
    );
    for (let call = 0; call < 10; call += 1) {
      // Overloaded: unavailable for now. Refused: the gateway asked wrongly, the upstream is fine.
      await expectProblem(await profileOf(usersBehindFake, 'u1'), 503);
      await expectProblem(await profileOf(usersBehindFake, 'u1'), 502);
    }
    expect(users.received).toHaveLength(20);

    users.respond(demoUserAnswer);
    expect(await readProfile(await profileOf(usersBehindFake, 'u2'))).toEqual(expectedProfile('u2'));
  });

  it("passes the user service's Retry-After on to the client, and does not call it again meanwhile", async () => {
    const before = users.received.length;
    users.respond(() => ({ kind: 'json', status: 503, body: {}, headers: { 'retry-after': '7' } }));

    const refused = await profileOf(usersBehindFake, 'u3');

    await expectProblem(refused, 503);
    expect(refused.headers.get('retry-after')).toBe('7');
    // A 503 is otherwise retried: this one asked for a pause.
    expect(users.received.length - before).toBe(1);
    users.respond(demoUserAnswer);
    expect((await profileOf(usersBehindFake, 'u3')).status).toBe(200);
  });

  it('answers 503, not 502, when the user service is unavailable with a page that is not JSON', async () => {
    users.respond(() => ({ kind: 'text', status: 503, body: '<html><h1>Service Unavailable</h1></html>' }));

    await expectProblem(await profileOf(usersBehindFake, 'u5'), 503);
    users.respond(demoUserAnswer);
  });

  it('passes on a Retry-After given as a date as the seconds left until it', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    users.respond(() => ({ kind: 'json', status: 429, body: {}, headers: { 'retry-after': at } }));

    const refused = await profileOf(usersBehindFake, 'u4');

    await expectProblem(refused, 503);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(25);
    expect(retryAfter).toBeLessThanOrEqual(30);
    users.respond(demoUserAnswer);
  });
});

describe('retries', () => {
  describe('of a call that fails once with a 503', () => {
    let users: FakeUpstream;
    let orders: FakeUpstream;
    let stack: Stack;

    beforeAll(async () => {
      users = await FakeUpstream.start();
      orders = await FakeUpstream.start();
      stack = await startStack({ USER_SERVICE_URL: users.url, ORDER_SERVICE_URL: orders.url });
    });
    afterAll(async () => {
      await stack.close();
      await users.close();
      await orders.close();
    });

    it('serves complete profiles when every first try of the user and order services answers 503', async () => {
      // `received` already holds the request being answered: each odd one fails, its retry succeeds.
      users.respond((request) =>
        users.received.length % 2 === 1 ? { kind: 'json', status: 503, body: {} } : demoUserAnswer(request),
      );
      orders.respond((request) =>
        orders.received.length % 2 === 1
          ? { kind: 'json', status: 503, body: {} }
          : demoOrderPageAnswer(request),
      );
      for (const sub of ['u1', 'u2', 'u3']) {
        const response = await profileOf(stack, sub);
        expect(response.headers.get('x-response-complete')).toBe('true');
        expect(await readProfile(response)).toEqual(expectedProfile(sub));
      }
      expect(users.received).toHaveLength(6);
      expect(orders.received).toHaveLength(6);
    });
  });

  describe('of an order service that always answers 503', () => {
    const calls = 100;
    let orders: FakeUpstream;
    let stack: Stack;

    beforeAll(async () => {
      orders = await FakeUpstream.start();
      orders.respond(() => ({ kind: 'json', status: 503, body: {} }));
      stack = await startStack({
        ORDER_SERVICE_URL: orders.url,
        // No allowance beyond the budget's ratio (0.2 by default), so the bound below is exact.
        UPSTREAM_RETRY_BUDGET_MIN_RETRIES: '0',
        // The breaker would stop the calls, and with them the retries this test counts: a run of
        // failures it cannot reach, and a failure rate of 1 (never opens by rate).
        UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '1000',
        UPSTREAM_BREAKER_FAILURE_RATE: '1',
      });
    });
    afterAll(async () => {
      await stack.close();
      await orders.close();
    });

    it('adds at most a fifth to its load in retries, serving flagged profiles all along', async () => {
      for (let call = 0; call < calls; call += 1) {
        expect(await readProfile(await profileOf(stack, 'u1'))).toEqual(
          expectedProfile('u1', { recentOrders: 'error' }),
        );
      }
      expect(orders.received.length).toBeLessThanOrEqual(calls * 1.2 + 1);
      // Some retries did happen: the bound is the budget, not an absence of retries.
      expect(orders.received.length).toBeGreaterThan(calls);
    });
  });
});

// Declared last, so it runs after every suite above has met its faults and torn its stacks down.
it('never left a promise rejection unhandled or an exception uncaught, teardown included', async () => {
  // Node reports an unhandled rejection once the microtask queue has drained: let a macrotask pass first.
  await new Promise((resolve) => setImmediate(resolve));
  expect(faults.seen).toEqual([]);
});

describe('a service that answers 429 with Retry-After', () => {
  let users: FakeUpstream;
  let preferences: FakeUpstream;
  let stack: Stack;
  const admin = { authorization: `Bearer ${mintToken({ sub: 'ops', roles: ['admin'] })}` };

  beforeAll(async () => {
    users = await FakeUpstream.start();
    preferences = await FakeUpstream.start();
    stack = await startStack({
      USER_SERVICE_URL: users.url,
      PREFERENCE_SERVICE_URL: preferences.url,
      // The longest pause the gateway grants, whatever a service asks for.
      UPSTREAM_EJECTION_MAX_MS: '1500',
    });
  });
  afterAll(async () => {
    await stack.close();
    await users.close();
    await preferences.close();
  });
  beforeEach(() => {
    users.received.length = 0;
    preferences.received.length = 0;
    users.respond(demoUserAnswer);
    preferences.respond(demoPreferencesAnswer);
  });

  async function pausedForMs(service: string): Promise<number | undefined> {
    const answer = (await (await fetch(`${stack.mobileUrl}/admin/services`, { headers: admin })).json()) as {
      services: { service: string; pausedForMs: number }[];
    };
    return answer.services.find((each) => each.service === service)?.pausedForMs;
  }

  it('stops calling the user service for as long as it asked, answering 503 with the time left, then calls it again', async () => {
    users.respond(() => ({ kind: 'json', status: 429, body: {}, headers: { 'retry-after': '1' } }));

    const first = await profileOf(stack, 'u1');
    await expectProblem(first, 503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(users.received).toHaveLength(1);
    expect(await pausedForMs('user')).toBeGreaterThan(0);

    for (const sub of ['u2', 'u3', 'u4']) {
      const refused = await profileOf(stack, sub);
      await expectProblem(refused, 503);
      expect(refused.headers.get('retry-after')).toBe('1');
    }
    expect(users.received).toHaveLength(1);

    users.respond(demoUserAnswer);
    await sleep(1_100);
    expect(await pausedForMs('user')).toBe(0);
    expect(await readProfile(await profileOf(stack, 'u5'))).toEqual(expectedProfile('u5'));
    expect(users.received).toHaveLength(2);
  });

  it('keeps answering profiles with neutral preferences, never calling the preference service, while it pauses for no longer than EJECTION_MAX_MS', async () => {
    preferences.respond(() => ({ kind: 'json', status: 429, body: {}, headers: { 'retry-after': '3600' } }));

    for (const sub of ['u6', 'u7', 'u8']) {
      const body = await readProfile(await profileOf(stack, sub));
      expect(body.preferences).toEqual(NEUTRAL_PREFERENCES);
      expect(body.meta.degraded).toEqual(['preferences']);
    }
    expect(preferences.received).toHaveLength(1);
    expect(await pausedForMs('preference')).toBeLessThanOrEqual(1_500);

    preferences.respond(demoPreferencesAnswer);
    await sleep(1_600);
    expect(await readProfile(await profileOf(stack, 'u9'))).toEqual(expectedProfile('u9'));
    expect(preferences.received).toHaveLength(2);
  });

  it('tells the first client to come back when the gateway will call the service again, not when the service asked', async () => {
    users.respond(() => ({ kind: 'json', status: 429, body: {}, headers: { 'retry-after': '3600' } }));

    const first = await profileOf(stack, 'u11');
    await expectProblem(first, 503);
    const next = await profileOf(stack, 'u12');
    await expectProblem(next, 503);

    // EJECTION_MAX_MS is 1.5 s here: the pause, and so the wait a client is told, ends within 2 s.
    expect(Number(first.headers.get('retry-after'))).toBe(2);
    expect(Number(next.headers.get('retry-after'))).toBeLessThanOrEqual(2);
    users.respond(demoUserAnswer);
    await sleep(1_600);
  });

  it('does not pause for a 429 that gives no Retry-After', async () => {
    users.respond(() => ({ kind: 'json', status: 429, body: {} }));
    await expectProblem(await profileOf(stack, 'u10'), 503);

    users.respond(demoUserAnswer);
    expect((await profileOf(stack, 'u10')).status).toBe(200);
    expect(await pausedForMs('user')).toBe(0);
  });
});
