import { Cancellation } from '@app/cancellation';
import type { RetryConfig } from '@app/config';
import { performance } from 'node:perf_hooks';
import { RetryBudget } from './retry-budget.js';
import { fullJitterDelay, withRetries } from './retry.wrapper.js';
import {
  UpstreamBadResponseError,
  UpstreamNotFoundError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamError,
} from './upstream.error.js';
import type { UpstreamRequest } from './upstream-call.js';

const config: RetryConfig = {
  maxRetries: 2,
  baseDelayMs: 1,
  budgetRatio: 0.2,
  budgetWindowMs: 10_000,
  budgetMinRetries: 100,
};
const get: UpstreamRequest = {
  method: 'GET',
  path: '/users/u1',
  expect: { read: () => undefined, missing: 'The user' },
};

/** Another instance is always in rotation. */
const anyOther = (): boolean => true;

const onInstance = (error: UpstreamError, instance: string): UpstreamError => {
  error.instance = instance;
  return error;
};

/** A call that fails with the given errors in turn, then answers; it records what each attempt asked for. */
function scripted(failures: UpstreamError[]) {
  const seen: UpstreamRequest[] = [];
  const call = async (request: UpstreamRequest): Promise<unknown> => {
    seen.push(request);
    const failure = failures.shift();
    if (failure !== undefined) {
      throw failure;
    }
    return 'answer';
  };
  return { call, seen };
}

describe(withRetries.name, () => {
  it('retries a connection failure on another instance and answers', async () => {
    const { call, seen } = scripted([
      onInstance(new UpstreamUnavailableError('user', { connection: true }), 'a'),
    ]);
    await expect(
      withRetries(config, new RetryBudget({ ratio: 0.2, windowMs: 10_000, minRetries: 5 }), anyOther)(call)(
        get,
      ),
    ).resolves.toBe('answer');
    expect(seen).toHaveLength(2);
    expect([...(seen[1].avoid ?? [])]).toEqual(['a']);
  });

  it('retries a read that timed out on another instance while the deadline leaves time, but not a write', async () => {
    const budget = (): RetryBudget => new RetryBudget({ ratio: 0.2, windowMs: 10_000, minRetries: 5 });
    const hung = scripted([onInstance(new UpstreamTimeoutError('user'), 'hung')]);
    await expect(
      withRetries(config, budget(), anyOther)(hung.call)({ ...get, deadlineAt: performance.now() + 500 }),
    ).resolves.toBe('answer');
    expect([...(hung.seen[1].avoid ?? [])]).toEqual(['hung']);

    const write = scripted([onInstance(new UpstreamTimeoutError('user'), 'hung')]);
    await expect(
      withRetries(config, budget(), anyOther)(write.call)({ ...get, method: 'PATCH', body: {} }),
    ).rejects.toBeInstanceOf(UpstreamTimeoutError);
    expect(write.seen).toHaveLength(1);
  });

  it("retries an upstream's own 504 on the only instance, as it does a 502 or 503", async () => {
    const gateway = scripted([onInstance(new UpstreamTimeoutError('user', { status: 504 }), 'only')]);
    const budget = new RetryBudget({ ratio: 0.2, windowMs: 10_000, minRetries: 5 });
    await expect(withRetries(config, budget, (tried) => !tried.has('only'))(gateway.call)(get)).resolves.toBe(
      'answer',
    );
    expect(gateway.seen).toHaveLength(2);
  });

  it('sends a read that timed out nowhere again when no other instance is in rotation', async () => {
    const hung = scripted([onInstance(new UpstreamTimeoutError('user'), 'only')]);
    const budget = new RetryBudget({ ratio: 0.2, windowMs: 10_000, minRetries: 5 });
    await expect(
      withRetries(config, budget, (tried) => !tried.has('only'))(hung.call)({
        ...get,
        deadlineAt: performance.now() + 500,
      }),
    ).rejects.toBeInstanceOf(UpstreamTimeoutError);
    expect(hung.seen).toHaveLength(1);
  });

  it('sends a write whose connection was refused to another instance, without spending the budget, but not one whose connection broke', async () => {
    const patch: UpstreamRequest = { ...get, method: 'PATCH', body: { theme: 'dark' } };
    const empty = new RetryBudget({ ratio: 0, windowMs: 10_000, minRetries: 0 });
    const refused = scripted([
      onInstance(new UpstreamUnavailableError('user', { connection: true, unsent: true }), 'a'),
    ]);
    await expect(withRetries(config, empty, anyOther)(refused.call)(patch)).resolves.toBe('answer');
    expect([...(refused.seen[1].avoid ?? [])]).toEqual(['a']);
    expect(empty.retriesInWindow()).toBe(0);

    const reset = scripted([new UpstreamUnavailableError('user', { connection: true })]);
    await expect(withRetries(config, empty, anyOther)(reset.call)(patch)).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    expect(reset.seen).toHaveLength(1);
  });

  it('retries 502, 503 and 504 at most twice', async () => {
    const failures = [502, 503, 504].map((status) => new UpstreamUnavailableError('user', { status }));
    const { call, seen } = scripted(failures);
    await expect(
      withRetries(config, new RetryBudget({ ratio: 1, windowMs: 10_000, minRetries: 5 }), anyOther)(call)(
        get,
      ),
    ).rejects.toMatchObject({
      upstreamStatus: 504,
    });
    expect(seen).toHaveLength(3);
  });

  it('does not retry a 500, a 404 or a bad body: they would fail the same way again', async () => {
    for (const error of [
      new UpstreamBadResponseError('user', { status: 500 }),
      new UpstreamNotFoundError('user', 'The user'),
      new UpstreamBadResponseError('user'),
    ]) {
      const { call, seen } = scripted([error]);
      await expect(
        withRetries(config, new RetryBudget({ ratio: 1, windowMs: 10_000, minRetries: 5 }), anyOther)(call)(
          get,
        ),
      ).rejects.toBe(error);
      expect(seen).toHaveLength(1);
    }
  });

  it('never retries a write without an idempotency key, and retries one with a key', async () => {
    const patch: UpstreamRequest = { ...get, method: 'PATCH', body: { theme: 'dark' } };
    const budget = new RetryBudget({ ratio: 1, windowMs: 10_000, minRetries: 5 });
    const once = scripted([new UpstreamUnavailableError('preference', { connection: true })]);
    await expect(withRetries(config, budget, anyOther)(once.call)(patch)).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    expect(once.seen).toHaveLength(1);

    const keyed = scripted([new UpstreamUnavailableError('preference', { connection: true })]);
    await expect(
      withRetries(config, budget, anyOther)(keyed.call)({ ...patch, idempotencyKey: 'k-1' }),
    ).resolves.toBe('answer');
    expect(keyed.seen).toHaveLength(2);
  });

  it('stops retrying when the budget is spent', async () => {
    const budget = new RetryBudget({ ratio: 0, windowMs: 10_000, minRetries: 1 });
    const first = scripted([502, 502].map((status) => new UpstreamUnavailableError('user', { status })));
    await expect(withRetries(config, budget, anyOther)(first.call)(get)).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    expect(first.seen).toHaveLength(2);
    const second = scripted([new UpstreamUnavailableError('user', { status: 502 })]);
    await expect(withRetries(config, budget, anyOther)(second.call)(get)).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    expect(second.seen).toHaveLength(1);
  });

  it('does not retry when the backoff would end past the deadline', async () => {
    const { call, seen } = scripted([new UpstreamUnavailableError('user', { connection: true })]);
    const slowBackoff = { ...config, baseDelayMs: 10_000 };
    const nearDeadline = { ...get, deadlineAt: performance.now() + 50 };
    const budget = new RetryBudget({ ratio: 1, windowMs: 10_000, minRetries: 5 });
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.99);
    await expect(withRetries(slowBackoff, budget, anyOther)(call)(nearDeadline)).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    random.mockRestore();
    expect(seen).toHaveLength(1);
  });

  it('does not retry a call whose caller has gone away', async () => {
    const caller = new Cancellation();
    caller.abort();
    const { call, seen } = scripted([new UpstreamUnavailableError('user', { connection: true })]);
    await expect(
      withRetries(config, new RetryBudget({ ratio: 1, windowMs: 10_000, minRetries: 5 }), anyOther)(call)({
        ...get,
        signal: caller,
      }),
    ).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(seen).toHaveLength(1);
  });
});

describe(fullJitterDelay.name, () => {
  it('draws the wait from zero up to base times two to the retry', () => {
    expect(fullJitterDelay(25, 0, () => 0.999)).toBe(24);
    expect(fullJitterDelay(25, 2, () => 0.5)).toBe(50);
    expect(fullJitterDelay(25, 3, () => 0)).toBe(0);
  });
});
