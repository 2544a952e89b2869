import { setTimeout as sleep } from 'node:timers/promises';
import { demoUser } from '../apps/demo-services/src/demo-data.js';
import { FakeUpstream } from './support/fake-upstream.js';
import {
  demoOrderPageAnswer,
  demoUserAnswer,
  expectedProfile,
  readProfile,
} from './support/mobile-profile.fixture.js';
import { expectProblem } from './support/problem.js';
import { timed, watchProcessFaults } from './support/process-faults.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

/*
 * How one profile request meets one upstream fault. The breaker has its own
 * suite (resilience-breaker): here its thresholds are out of reach, so the
 * failures of one test cannot turn the next test's "error" into "fallback".
 */
const BREAKER_OUT_OF_REACH = {
  UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '1000',
  UPSTREAM_BREAKER_FAILURE_RATE: '1',
};

const DEADLINE_MS = 400;
/*
 * A bound on behaviour, not a speed measure: an answer that waited for a hung
 * upstream would come after seconds, one that did not comes at the deadline
 * plus the time to write it. The margin is wide for a loaded CI machine.
 */
const DEADLINE_MARGIN_MS = 300;

const faults = watchProcessFaults();
afterAll(() => faults.stop());

const profileOf = (stack: Stack, sub: string): Promise<Response> =>
  fetch(`${stack.mobileUrl}/mobile/profile`, { headers: bearer(sub) });

describe('a profile while a demo service is down, slow, hanging or sending garbage', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ AGGREGATE_DEADLINE_MS: String(DEADLINE_MS), ...BREAKER_OUT_OF_REACH });
  });
  afterAll(() => stack.close());
  afterEach(() => {
    for (const knobs of Object.values(stack.demo.faults)) {
      knobs.reset();
    }
  });

  const profile = (sub: string): Promise<Response> => profileOf(stack, sub);

  it('serves the profile without orders, flagged as an error, when the order service resets every connection', async () => {
    stack.demo.faults.order.set({ down: true });
    const response = await profile('u1');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-response-complete')).toBe('false');
    expect(await readProfile(response)).toEqual(expectedProfile('u1', { recentOrders: 'error' }));
  });

  it('serves neutral preferences, flagged as an error, when the preference service resets every connection', async () => {
    stack.demo.faults.preference.set({ down: true });
    const response = await profile('u2');
    expect(response.status).toBe(200);
    expect(await readProfile(response)).toEqual(expectedProfile('u2', { preferences: 'error' }));
  });

  it('answers 503 when the user service resets every connection', async () => {
    stack.demo.faults.user.set({ down: true });
    await expectProblem(await profile('u1'), 503);
  });

  it('answers within the deadline, orders and preferences flagged as timed out, when one hangs and the other is slower than the deadline', async () => {
    stack.demo.faults.order.set({ hang: true });
    stack.demo.faults.preference.set({ latencyMs: DEADLINE_MS * 10 });
    const { value: response, ms } = await timed(() => profile('u3'));
    expect(ms).toBeLessThan(DEADLINE_MS + DEADLINE_MARGIN_MS);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-response-complete')).toBe('false');
    expect(await readProfile(response)).toEqual(
      expectedProfile('u3', { recentOrders: 'timeout', preferences: 'timeout' }),
    );
  });

  it('answers 504 within the deadline when the user service hangs', async () => {
    stack.demo.faults.user.set({ hang: true });
    const { value: response, ms } = await timed(() => profile('u4'));
    expect(ms).toBeLessThan(DEADLINE_MS + DEADLINE_MARGIN_MS);
    await expectProblem(response, 504);
  });

  it('answers 504 within the deadline when the user service is slower than the deadline', async () => {
    stack.demo.faults.user.set({ latencyMs: DEADLINE_MS * 10 });
    const { value: response, ms } = await timed(() => profile('u4'));
    expect(ms).toBeLessThan(DEADLINE_MS + DEADLINE_MARGIN_MS);
    await expectProblem(response, 504);
  });

  it('answers 502 when the user service sends a cut-off body or a body that is not a user', async () => {
    stack.demo.faults.user.set({ malformed: true });
    // The demo service alternates the two kinds of garbage.
    await expectProblem(await profile('u5'), 502);
    await expectProblem(await profile('u5'), 502);
  });

  it('serves the profile without orders and with neutral preferences, both flagged, when those services send garbage', async () => {
    stack.demo.faults.order.set({ malformed: true });
    stack.demo.faults.preference.set({ malformed: true });
    for (const sub of ['u6', 'u7']) {
      const response = await profile(sub);
      expect(response.status).toBe(200);
      expect(await readProfile(response)).toEqual(
        expectedProfile(sub, { recentOrders: 'error', preferences: 'error' }),
      );
    }
  });

  it('serves complete profiles again as soon as the faults are gone', async () => {
    const response = await profile('u1');
    expect(response.headers.get('x-response-complete')).toBe('true');
    expect(await readProfile(response)).toEqual(expectedProfile('u1'));
  });
});

describe('a profile while nothing listens at an upstream address', () => {
  let refusedUrl: string;
  let withoutOptional: Stack;
  let withoutUsers: Stack;

  beforeAll(async () => {
    // Port 1 is privileged and unused on any test machine: connecting is refused at once. (A port bound and
    // released here could be handed to the next server another suite starts.)
    refusedUrl = 'http://127.0.0.1:1';
    withoutOptional = await startStack({
      ORDER_SERVICE_URL: refusedUrl,
      PREFERENCE_SERVICE_URL: refusedUrl,
      ...BREAKER_OUT_OF_REACH,
    });
    withoutUsers = await startStack({ USER_SERVICE_URL: refusedUrl, ...BREAKER_OUT_OF_REACH });
  });
  afterAll(async () => {
    await withoutOptional.close();
    await withoutUsers.close();
  });

  it('serves the profile without orders and with neutral preferences, both flagged as errors', async () => {
    const response = await profileOf(withoutOptional, 'u1');
    expect(response.status).toBe(200);
    expect(await readProfile(response)).toEqual(
      expectedProfile('u1', { recentOrders: 'error', preferences: 'error' }),
    );
  });

  it('answers 503 when the user service refuses connections', async () => {
    await expectProblem(await profileOf(withoutUsers, 'u1'), 503);
  });
});

describe('a profile while test-owned user and order services misbehave', () => {
  const deadlineMs = 800;
  let users: FakeUpstream;
  let orders: FakeUpstream;
  let stack: Stack;

  beforeAll(async () => {
    users = await FakeUpstream.start();
    orders = await FakeUpstream.start();
    stack = await startStack({
      USER_SERVICE_URL: users.url,
      ORDER_SERVICE_URL: orders.url,
      AGGREGATE_DEADLINE_MS: String(deadlineMs),
      ...BREAKER_OUT_OF_REACH,
    });
  });
  afterAll(async () => {
    await stack.close();
    await users.close();
    await orders.close();
  });
  beforeEach(() => {
    users.received.length = 0;
    orders.received.length = 0;
    users.respond(demoUserAnswer);
    orders.respond(demoOrderPageAnswer);
  });

  const profile = (sub: string): Promise<Response> => profileOf(stack, sub);

  it('answers each call with the right user or a 502 problem while the user service fails every other call with a 500', async () => {
    // `received` already holds the request being answered: odd counts fail, even ones succeed.
    users.respond((request) =>
      users.received.length % 2 === 1
        ? { kind: 'json', status: 500, body: { error: 'flapping' } }
        : demoUserAnswer(request),
    );
    for (const sub of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) {
      const failing = await profile(sub);
      await expectProblem(failing, 502);
      const serving = await profile(sub);
      expect(serving.status).toBe(200);
      expect(await readProfile(serving)).toEqual(expectedProfile(sub));
    }
    // A 500 is not retried: one upstream call per client call.
    expect(users.received).toHaveLength(12);
  });

  it('serves the right orders, or none and flagged, never wrong ones, while the order service fails every other call', async () => {
    orders.respond((request) =>
      orders.received.length % 2 === 1
        ? { kind: 'json', status: 500, body: { error: 'flapping' } }
        : demoOrderPageAnswer(request),
    );
    for (const sub of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) {
      const failing = await profile(sub);
      expect(failing.status).toBe(200);
      expect(await readProfile(failing)).toEqual(expectedProfile(sub, { recentOrders: 'error' }));
      const serving = await profile(sub);
      expect(await readProfile(serving)).toEqual(expectedProfile(sub));
    }
  });

  it('answers 503, retrying first, and keeps serving, when the user service dies halfway through its answer', async () => {
    users.respond(() => ({ kind: 'cut', body: JSON.stringify(demoUser('u1')), bytes: 20 }));
    const before = users.received.length;
    const cut = await profile('u1');
    // A connection that dies mid-answer is a connection failure: retried, then 503.
    await expectProblem(cut, 503);
    expect(users.received.length - before).toBeGreaterThan(1);

    users.respond(demoUserAnswer);
    expect(await readProfile(await profile('u1'))).toEqual(expectedProfile('u1'));
  });

  it('serves the profile without orders, flagged as an error, when the order service dies halfway through its answer', async () => {
    orders.respond(() => ({ kind: 'cut', body: JSON.stringify({ items: [], nextCursor: null }), bytes: 5 }));
    const response = await profile('u2');
    expect(response.status).toBe(200);
    expect(await readProfile(response)).toEqual(expectedProfile('u2', { recentOrders: 'error' }));
  });

  it('tells the user service how long it has left to answer, and less on a retry than on the first try', async () => {
    const slowFailureMs = 150;
    users.respond((request) =>
      users.received.length === 1
        ? { kind: 'json', status: 503, body: {}, delayMs: slowFailureMs }
        : demoUserAnswer(request),
    );
    const response = await profile('u1');
    expect(await readProfile(response)).toEqual(expectedProfile('u1'));

    const [first, retry] = users.received.map((request) => Number(request.headers['x-request-timeout-ms']));
    expect(users.received).toHaveLength(2);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(Math.min(stack.config.services.user.timeoutMs, deadlineMs));
    expect(retry).toBeGreaterThan(0);
    // The retry starts at least `slowFailureMs` later; a little slack for timers that fire early.
    expect(retry).toBeLessThanOrEqual(first - (slowFailureMs - 50));
  });
});

// Declared last, so it runs after every suite above has met its faults and torn its stacks down.
it('never left a promise rejection unhandled or an exception uncaught, teardown included', async () => {
  // Node reports an unhandled rejection once the microtask queue has drained: let a macrotask pass first.
  await new Promise((resolve) => setImmediate(resolve));
  expect(faults.seen).toEqual([]);
});

describe('a request that joins another request’s load of the same user', () => {
  const deadlineMs = 800;
  let users: FakeUpstream;
  let stack: Stack;
  let slow = true;

  beforeAll(async () => {
    users = await FakeUpstream.start();
    // While slow, each answer takes half the deadline and is a 503, so the first request's retry runs into its deadline.
    users.respond((request) =>
      slow ? { kind: 'json', status: 503, body: { error: 'busy' }, delayMs: 500 } : demoUserAnswer(request),
    );
    stack = await startStack({
      USER_SERVICE_URL: users.url,
      CACHE_ENABLED: 'true',
      CACHE_RESPONSE_TTL_S: '0',
      AGGREGATE_DEADLINE_MS: String(deadlineMs),
      UPSTREAM_RETRY_BASE_DELAY_MS: '1',
      ...BREAKER_OUT_OF_REACH,
    });
  });
  afterAll(async () => {
    await stack.close();
    await users.close();
  });

  it('is answered within its own deadline, not failed with the earlier request’s timeout', async () => {
    const first = profileOf(stack, 'u4');
    await sleep(600);
    slow = false;
    const second = await profileOf(stack, 'u4');

    expect((await first).status).toBe(504);
    expect(second.status).toBe(200);
  });
});
