import type { CancelSignal } from '@app/cancellation';
import { ProblemError } from '@app/problem';
import { aggregate } from './aggregate.js';
import type { AggregateMeta } from './aggregate-meta.js';
import { Deadline, DeadlineExceededError } from './deadline.js';
import { optional, required, type SectionScope } from './section.js';

const after = <T>(ms: number, value: T): Promise<T> =>
  new Promise((resolve) => setTimeout(() => resolve(value), ms));
const failAfter = (ms: number, error: unknown): Promise<never> =>
  new Promise((_resolve, reject) => setTimeout(() => reject(error), ms));
/** A loader that ignores its abort signal and never settles, like an upstream socket that hangs. */
const never = (): Promise<never> => new Promise(() => undefined);

describe(aggregate.name, () => {
  it('runs sections in parallel: three 40 ms loaders finish together, not one after another', async () => {
    const started: number[] = [];
    const load = (value: string) => async () => {
      started.push(performance.now());
      return after(40, value);
    };
    const result = await aggregate(Deadline.after(1000), {
      a: required(load('a')),
      b: optional(load('b'), 'fallback'),
      c: optional(load('c'), 'fallback'),
    });
    expect(result.values).toEqual({ a: 'a', b: 'b', c: 'c' });
    // Every loader was started before the first could have finished.
    expect(Math.max(...started) - Math.min(...started)).toBeLessThan(40);
  });

  it('reports a complete answer when every section succeeds', async () => {
    const result = await aggregate(Deadline.after(1000), {
      user: required(async () => 'ann'),
      orders: optional(async () => [1, 2], []),
    });
    expect(result.meta).toEqual({
      degraded: [],
      sections: { user: { status: 'ok' }, orders: { status: 'ok' } },
    });
  });

  it('serves the fallback of a failed optional section and names it degraded', async () => {
    const result = await aggregate(Deadline.after(1000), {
      user: required(async () => 'ann'),
      orders: optional(() => Promise.reject(new ProblemError('service-unavailable', 'down')), ['fallback']),
    });
    expect(result.values.orders).toEqual(['fallback']);
    expect(result.meta).toEqual({
      degraded: ['orders'],
      sections: { user: { status: 'ok' }, orders: { status: 'error' } },
    });
  });

  it('marks an optional section that timed out upstream as timeout', async () => {
    const result = await aggregate(Deadline.after(1000), {
      user: required(async () => 'ann'),
      orders: optional(() => Promise.reject(new ProblemError('gateway-timeout', 'slow')), []),
    });
    expect(result.meta.sections.orders).toEqual({ status: 'timeout' });
  });

  it("tells the deadline's reporter how the sections settled, once, when the answer is ready", async () => {
    const reported: AggregateMeta[] = [];
    const deadline = new Deadline(performance.now() + 1000, (meta) => reported.push(meta));
    const result = await aggregate(deadline, {
      user: required(async () => 'ann'),
      orders: optional(() => Promise.reject(new ProblemError('service-unavailable', 'down')), []),
    });
    expect(reported).toEqual([result.meta]);
  });

  it("reports nothing when a required section fails the request for the client's own mistake (a 404)", async () => {
    const reporter = vi.fn();
    const deadline = new Deadline(performance.now() + 1000, reporter);
    await expect(
      aggregate(deadline, { user: required(() => Promise.reject(new ProblemError('not-found', 'no'))) }),
    ).rejects.toBeInstanceOf(ProblemError);
    expect(reporter).not.toHaveBeenCalled();
  });

  it('reports a required section whose service failed the request, with the sections settled before it', async () => {
    const reported: AggregateMeta[] = [];
    const deadline = new Deadline(performance.now() + 1000, (meta) => reported.push(meta));
    await expect(
      aggregate(deadline, {
        user: required(() => failAfter(20, new ProblemError('service-unavailable', 'down'))),
        orders: optional(async () => [], []),
        preferences: optional(never, null),
      }),
    ).rejects.toBeInstanceOf(ProblemError);
    expect(reported.map((meta) => meta.sections)).toEqual([
      { user: { status: 'error' }, orders: { status: 'ok' } },
    ]);
  });

  it('reports a required section the deadline cut as timed out', async () => {
    const reported: AggregateMeta[] = [];
    const deadline = new Deadline(performance.now() + 30, (meta) => reported.push(meta));
    await expect(aggregate(deadline, { user: required(never) })).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
    expect(reported.map((meta) => meta.sections)).toEqual([{ user: { status: 'timeout' } }]);
  });

  it('lists sections in declaration order whatever order they finished in', async () => {
    const result = await aggregate(Deadline.after(1000), {
      user: required(() => after(30, 'ann')),
      orders: optional(() => Promise.reject(new ProblemError('bad-gateway', 'garbage')), []),
      preferences: optional(() => Promise.reject(new ProblemError('bad-gateway', 'garbage')), null),
    });
    expect(Object.keys(result.meta.sections)).toEqual(['user', 'orders', 'preferences']);
    expect(result.meta.degraded).toEqual(['orders', 'preferences']);
  });

  it('reports a section served from stale data as stale, with its age, and the answer as degraded', async () => {
    const result = await aggregate(Deadline.after(1000), {
      user: required(async () => 'ann'),
      preferences: optional(async (scope) => {
        scope.onStale(12_345.6);
        return { theme: 'dark' };
      }, null),
    });
    expect(result.values.preferences).toEqual({ theme: 'dark' });
    expect(result.meta).toEqual({
      degraded: ['preferences'],
      sections: { user: { status: 'ok' }, preferences: { status: 'stale', ageMs: expect.any(Number) } },
    });
    expect(result.meta.sections.preferences.ageMs).toBeGreaterThanOrEqual(12_346);
    expect(result.meta.sections.preferences.ageMs).toBeLessThan(12_500);
  });

  it('tells a stale section its age as of the answer, not as of when it was chosen ahead of a slow sibling', async () => {
    const result = await aggregate(Deadline.after(1000), {
      user: required(() => after(200, 'ann')),
      preferences: optional(async (scope) => {
        scope.onStale(5_000);
        return { theme: 'dark' };
      }, null),
    });
    expect(result.meta.sections.preferences.ageMs).toBeGreaterThanOrEqual(5_190);
  });

  it('marks an optional section skipped without trying (an open breaker) as fallback', async () => {
    const result = await aggregate(Deadline.after(1000), {
      user: required(async () => 'ann'),
      orders: optional(
        () => Promise.reject(new ProblemError('service-unavailable', 'open', { failedFast: true })),
        [],
      ),
    });
    expect(result.meta.sections.orders).toEqual({ status: 'fallback' });
    expect(result.meta.degraded).toEqual(['orders']);
  });

  it('answers at the deadline with the fallback when an optional section hangs', async () => {
    const deadline = Deadline.after(60);
    const result = await aggregate(deadline, {
      user: required(async () => 'ann'),
      orders: optional(never, 'fallback'),
    });
    expect(result.values.orders).toBe('fallback');
    expect(result.meta.sections.orders).toEqual({ status: 'timeout' });
    expect(result.meta.degraded).toEqual(['orders']);
  });

  it('fails with 504 at the deadline when a required section hangs', async () => {
    await expect(aggregate(Deadline.after(50), { user: required(never) })).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
  });

  it('fails at once with the problem of a failed required section, without waiting for slow siblings', async () => {
    const notFound = new ProblemError('not-found', 'The user does not exist.');
    const slowSibling = vi.fn((scope: SectionScope) => {
      return new Promise((_resolve, reject) => scope.signal.onAbort(reject));
    });
    const outcome = aggregate(Deadline.after(5_000), {
      user: required(() => failAfter(10, notFound)),
      orders: optional(slowSibling, []),
    });
    await expect(outcome).rejects.toBe(notFound);
  });

  it('aborts the sections still running once a required section has failed', async () => {
    let siblingSignal: CancelSignal | undefined;
    await aggregate(Deadline.after(5_000), {
      user: required(() => failAfter(5, new ProblemError('bad-gateway', 'garbage'))),
      orders: optional((scope) => {
        siblingSignal = scope.signal;
        return never();
      }, []),
    }).catch(() => undefined);
    expect(siblingSignal?.aborted).toBe(true);
  });

  it('aborts the loaders still running when the deadline passes', async () => {
    let signal: CancelSignal | undefined;
    await aggregate(Deadline.after(30), {
      orders: optional((scope) => {
        signal = scope.signal;
        return never();
      }, []),
    });
    expect(signal?.aborted).toBe(true);
  });

  it('hands every loader the request deadline', async () => {
    const deadline = Deadline.after(1000);
    let seen: number | undefined;
    await aggregate(deadline, {
      user: required(async (scope) => {
        seen = scope.deadlineAt;
        return 'ann';
      }),
    });
    expect(seen).toBe(deadline.at);
  });

  it('stops every loader when the client goes away', async () => {
    const deadline = Deadline.after(5_000);
    let signal: CancelSignal | undefined;
    const outcome = aggregate(deadline, {
      user: required((scope) => {
        signal = scope.signal;
        return never();
      }),
    });
    deadline.cancel();
    await expect(outcome).rejects.toThrow(/closed the connection/);
    expect(signal?.aborted).toBe(true);
  });

  it('treats a loader that throws synchronously like one that rejects', async () => {
    const result = await aggregate(Deadline.after(1000), {
      user: required(async () => 'ann'),
      orders: optional(() => {
        throw new Error('bug in a loader');
      }, []),
    });
    expect(result.meta.sections.orders).toEqual({ status: 'error' });
  });

  it('does not start loaders when the deadline has already passed', async () => {
    const deadline = Deadline.after(0);
    await after(5, null);
    const load = vi.fn(async () => 'ann');
    await expect(aggregate(deadline, { user: required(load) })).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(load).not.toHaveBeenCalled();
  });
});
