import { FakeUpstream } from './support/fake-upstream.js';
import { demoUserAnswer, expectedProfile, readProfile } from './support/mobile-profile.fixture.js';
import { timed, watchProcessFaults } from './support/process-faults.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

const faults = watchProcessFaults();
afterAll(() => faults.stop());

const profileOf = (stack: Stack, sub: string): Promise<Response> =>
  fetch(`${stack.mobileUrl}/mobile/profile`, { headers: bearer(sub) });

describe('two user service instances, one resetting every connection', () => {
  const ejectAfter = 3;
  let dead: FakeUpstream;
  let healthy: FakeUpstream;
  let stack: Stack;

  beforeAll(async () => {
    dead = await FakeUpstream.start();
    healthy = await FakeUpstream.start();
    dead.respond(() => ({ kind: 'reset' }));
    healthy.respond(demoUserAnswer);
    stack = await startStack({
      // The dead instance first, so the very first call meets it.
      USER_SERVICE_URL: `${dead.url},${healthy.url}`,
      USER_SERVICE_EJECTION_CONSECUTIVE_FAILURES: String(ejectAfter),
      // Out of rotation for longer than the test runs on any machine, so it is never tried again here.
      USER_SERVICE_EJECTION_BASE_MS: '20000',
    });
  });
  afterAll(async () => {
    await stack.close();
    await dead.close();
    await healthy.close();
  });

  it('serves every profile, complete, retrying on the healthy instance until the dead one is ejected', async () => {
    for (let call = 1; call <= 40; call += 1) {
      const sub = `u${call}`;
      const response = await profileOf(stack, sub);
      expect(response.headers.get('x-response-complete')).toBe('true');
      expect(await readProfile(response)).toEqual(expectedProfile(sub));
    }
    expect(dead.received).toHaveLength(ejectAfter);
    expect(healthy.received).toHaveLength(40);
  });

  it('sends no more calls to the dead instance once it is ejected', async () => {
    const deadBefore = dead.received.length;
    const healthyBefore = healthy.received.length;
    for (let call = 0; call < 20; call += 1) {
      expect((await profileOf(stack, 'u1')).status).toBe(200);
    }
    expect(dead.received).toHaveLength(deadBefore);
    expect(healthy.received).toHaveLength(healthyBefore + 20);
  });
});

describe('two user service instances, one draining: 503 with Retry-After', () => {
  let draining: FakeUpstream;
  let serving: FakeUpstream;
  let stack: Stack;

  beforeAll(async () => {
    draining = await FakeUpstream.start();
    serving = await FakeUpstream.start();
    draining.respond(() => ({ kind: 'json', status: 503, body: {}, headers: { 'retry-after': '20' } }));
    serving.respond(demoUserAnswer);
    stack = await startStack({
      // The draining instance first, so the very first call meets it.
      USER_SERVICE_URL: `${draining.url},${serving.url}`,
      // Its pause outlasts the test on any machine: it is asked once, then left alone.
      USER_SERVICE_EJECTION_MAX_MS: '60000',
    });
  });
  afterAll(async () => {
    await stack.close();
    await draining.close();
    await serving.close();
  });

  it('serves every profile, complete, from the other instance, and leaves the draining one alone for its pause', async () => {
    for (let call = 1; call <= 10; call += 1) {
      const sub = `u${call}`;
      const response = await profileOf(stack, sub);
      expect(response.headers.get('x-response-complete')).toBe('true');
      expect(await readProfile(response)).toEqual(expectedProfile(sub));
    }
    expect(draining.received).toHaveLength(1);
    expect(serving.received).toHaveLength(10);
  });
});

describe('hedged calls to two user service instances, one slow', () => {
  const hedgeDelayMs = 50;
  const slowMs = 800;
  let slow: FakeUpstream;
  let fast: FakeUpstream;
  let stack: Stack;

  beforeAll(async () => {
    slow = await FakeUpstream.start();
    fast = await FakeUpstream.start();
    slow.respond((request) => ({ ...demoUserAnswer(request), delayMs: slowMs }));
    fast.respond(demoUserAnswer);
    stack = await startStack({
      // The slow instance first: round robin sends it the first call, and every other one after.
      USER_SERVICE_URL: `${slow.url},${fast.url}`,
      UPSTREAM_HEDGE: 'true',
      UPSTREAM_HEDGE_DELAY_MS: String(hedgeDelayMs),
    });
  });
  afterAll(async () => {
    await stack.close();
    await slow.close();
    await fast.close();
  });

  it('answers long before the slow instance would, and cancels the call still waiting there', async () => {
    for (const sub of ['u1', 'u2', 'u3', 'u4']) {
      const { value: response, ms } = await timed(() => profileOf(stack, sub));
      expect(await readProfile(response)).toEqual(expectedProfile(sub));
      // A bound on behaviour, not speed: waiting for the slow instance would take `slowMs`; the hedge
      // answers after about `hedgeDelayMs`. Wide margin for a loaded machine.
      expect(ms).toBeLessThan(slowMs - 300);
    }
    expect(slow.received.length).toBeGreaterThanOrEqual(1);
    // Every answer came from the fast instance...
    expect(fast.received).toHaveLength(4);
    // ...and every call that went to the slow one was hung up on rather than left to finish.
    await vi.waitFor(() => expect(slow.abandoned).toBe(slow.received.length), { timeout: slowMs / 2 });
  });
});

// Declared last, so it runs after every suite above has met its faults and torn its stacks down.
it('never left a promise rejection unhandled or an exception uncaught, teardown included', async () => {
  // Node reports an unhandled rejection once the microtask queue has drained: let a macrotask pass first.
  await new Promise((resolve) => setImmediate(resolve));
  expect(faults.seen).toEqual([]);
});
