import type { IncomingMessage } from 'node:http';
import { FakeUpstream, type FakeBehaviour } from './support/fake-upstream.js';
import { demoUserAnswer, expectedProfile, readProfile } from './support/mobile-profile.fixture.js';
import { expectProblem } from './support/problem.js';
import { timed, watchProcessFaults } from './support/process-faults.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

const faults = watchProcessFaults();
afterAll(() => faults.stop());

const profileOf = (stack: Stack, sub: string): Promise<Response> =>
  fetch(`${stack.mobileUrl}/mobile/profile`, { headers: bearer(sub) });

/** Profiles of users u1 to u`count`, one after another, each whole and complete. */
async function expectCompleteProfiles(stack: Stack, count: number): Promise<void> {
  for (let call = 1; call <= count; call += 1) {
    const sub = `u${call}`;
    const response = await profileOf(stack, sub);
    expect(response.headers.get('x-response-complete')).toBe('true');
    expect(await readProfile(response)).toEqual(expectedProfile(sub));
  }
}

/** A stack whose user service is two fake instances, and the two; set up before a suite's tests, closed after them. */
interface TwoUserInstances {
  first: FakeUpstream;
  second: FakeUpstream;
  stack: Stack;
}

/**
 * Registers the suite's setup and teardown: `first` is listed first, so
 * round robin sends it the very first call.
 */
function twoUserInstances(
  first: (request: IncomingMessage) => FakeBehaviour,
  second: (request: IncomingMessage) => FakeBehaviour,
  env: Record<string, string>,
): TwoUserInstances {
  const suite = {} as TwoUserInstances;
  beforeAll(async () => {
    suite.first = await FakeUpstream.start();
    suite.second = await FakeUpstream.start();
    suite.first.respond(first);
    suite.second.respond(second);
    suite.stack = await startStack({ USER_SERVICE_URL: `${suite.first.url},${suite.second.url}`, ...env });
  });
  afterAll(async () => {
    await suite.stack.close();
    await suite.first.close();
    await suite.second.close();
  });
  return suite;
}

describe('two user service instances, one resetting every connection', () => {
  const ejectAfter = 3;
  const suite = twoUserInstances(() => ({ kind: 'reset' }), demoUserAnswer, {
    USER_SERVICE_EJECTION_CONSECUTIVE_FAILURES: String(ejectAfter),
    // Out of rotation for longer than the test runs on any machine, so it is never tried again here.
    USER_SERVICE_EJECTION_BASE_MS: '20000',
  });

  it('serves every profile, complete, retrying on the healthy instance until the dead one is ejected', async () => {
    const { first: dead, second: healthy, stack } = suite;
    await expectCompleteProfiles(stack, 40);
    expect(dead.received).toHaveLength(ejectAfter);
    expect(healthy.received).toHaveLength(40);
  });

  it('sends no more calls to the dead instance once it is ejected', async () => {
    const { first: dead, second: healthy, stack } = suite;
    const deadBefore = dead.received.length;
    const healthyBefore = healthy.received.length;
    for (let call = 0; call < 20; call += 1) {
      expect((await profileOf(stack, 'u1')).status).toBe(200);
    }
    expect(dead.received).toHaveLength(deadBefore);
    expect(healthy.received).toHaveLength(healthyBefore + 20);
  });
});

describe('two user service instances, one that never answers', () => {
  const suite = twoUserInstances(() => ({ kind: 'hang' }), demoUserAnswer, {
    USER_SERVICE_TIMEOUT_MS: '200',
    AGGREGATE_DEADLINE_MS: '1500',
    USER_SERVICE_EJECTION_CONSECUTIVE_FAILURES: '1000',
  });

  it('serves every profile, complete, from the other instance once a call has timed out on the hung one', async () => {
    const { first: hung, second: healthy, stack } = suite;
    await expectCompleteProfiles(stack, 4);
    expect(hung.received.length).toBeGreaterThan(0);
    expect(healthy.received).toHaveLength(4);
  });
});

describe('two user service instances, one refusing connections, and no retry budget', () => {
  let healthy: FakeUpstream;
  let stack: Stack;

  beforeAll(async () => {
    // Nothing listens on port 1: every connection to it is refused. (A port freed a moment ago could be bound
    // again by another suite's server before the burst, which then answered half of it.)
    const refusing = 'http://127.0.0.1:1';
    healthy = await FakeUpstream.start();
    healthy.respond(demoUserAnswer);
    stack = await startStack({
      USER_SERVICE_URL: `${refusing},${healthy.url}`,
      USER_SERVICE_RETRY_BUDGET_RATIO: '0',
      USER_SERVICE_RETRY_BUDGET_MIN_RETRIES: '0',
    });
  });
  afterAll(async () => {
    await stack.close();
    await healthy.close();
  });

  it('serves every profile of a burst from the healthy instance: a refused call sent nothing, so it moves on at no cost to the budget', async () => {
    const users = Array.from({ length: 30 }, (_, index) => `u${index + 1}`);
    const answers = await Promise.all(users.map((sub) => profileOf(stack, sub)));

    expect(answers.map((answer) => answer.status)).toEqual(users.map(() => 200));
    for (const [index, answer] of answers.entries()) {
      expect(await readProfile(answer)).toEqual(expectedProfile(users[index]));
    }
    expect(healthy.received).toHaveLength(30);
  });
});

describe('two user service instances, one draining: 503 with Retry-After', () => {
  const suite = twoUserInstances(
    () => ({ kind: 'json', status: 503, body: {}, headers: { 'retry-after': '20' } }),
    demoUserAnswer,
    // Its pause outlasts the test on any machine: it is asked once, then left alone.
    { USER_SERVICE_EJECTION_MAX_MS: '60000' },
  );

  it('serves every profile, complete, from the other instance, and leaves the draining one alone for its pause', async () => {
    const { first: draining, second: serving, stack } = suite;
    await expectCompleteProfiles(stack, 10);
    expect(draining.received).toHaveLength(1);
    expect(serving.received).toHaveLength(10);
  });
});

describe('two user service instances, one draining, and no retries', () => {
  const suite = twoUserInstances(
    () => ({ kind: 'json', status: 503, body: {}, headers: { 'retry-after': '20' } }),
    demoUserAnswer,
    { USER_SERVICE_RETRY_MAX: '0', USER_SERVICE_EJECTION_MAX_MS: '60000' },
  );

  it("does not tell the client to wait out the draining instance's pause, and serves its next call from the other", async () => {
    const { first: draining, stack } = suite;
    const refused = await profileOf(stack, 'u1');
    await expectProblem(refused, 503);
    expect(refused.headers.get('retry-after')).toBeNull();

    await expectCompleteProfiles(stack, 1);
    expect(draining.received).toHaveLength(1);
  });
});

describe('hedged calls to two user service instances, one slow', () => {
  const hedgeDelayMs = 50;
  const slowMs = 800;
  const suite = twoUserInstances(
    (request) => ({ ...demoUserAnswer(request), delayMs: slowMs }),
    demoUserAnswer,
    { UPSTREAM_HEDGE: 'true', UPSTREAM_HEDGE_DELAY_MS: String(hedgeDelayMs) },
  );

  it('answers long before the slow instance would, and cancels the call still waiting there', async () => {
    const { first: slow, second: fast, stack } = suite;
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
