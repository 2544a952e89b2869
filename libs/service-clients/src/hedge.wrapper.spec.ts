import type { HedgeConfig } from '@app/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { withHedging } from './hedge.wrapper.js';
import { LatencyWindow } from './latency-window.js';
import { RetryBudget } from './retry-budget.js';
import type { UpstreamRequest } from './upstream-call.js';

const hedge: HedgeConfig = { enabled: true, delayMs: 20 };
const get: UpstreamRequest = {
  method: 'GET',
  path: '/users/u1',
  expect: { read: () => undefined, missing: 'The user' },
};
const anyOther = (): boolean => true;
const roomyBudget = (): RetryBudget => new RetryBudget({ ratio: 1, windowMs: 10_000, minRetries: 10 });

/** Instance "slow" answers after 300 ms (or when aborted), any other at once. */
function twoInstances() {
  const aborted: string[] = [];
  let next = 0;
  const call = (request: UpstreamRequest): Promise<unknown> => {
    const instance = request.avoid?.has('slow') ? 'fast' : next++ === 0 ? 'slow' : 'fast';
    request.onPick?.(instance);
    if (instance === 'fast') {
      return Promise.resolve('fast answer');
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve('slow answer'), 300);
      request.signal?.onAbort(() => {
        clearTimeout(timer);
        aborted.push(instance);
        reject(new Error('aborted'));
      });
    });
  };
  return { call, aborted };
}

describe(withHedging.name, () => {
  it('sends a second attempt to another instance after the delay, takes the first answer and aborts the other', async () => {
    const { call, aborted } = twoInstances();
    await expect(withHedging(hedge, new LatencyWindow(), roomyBudget(), anyOther)(call)(get)).resolves.toBe(
      'fast answer',
    );
    await sleep(5);
    expect(aborted).toEqual(['slow']);
  });

  it('sends no second attempt when no other instance is in rotation: the same one would only get twice the load', async () => {
    const { call } = twoInstances();
    const picked: string[][] = [];
    const onlyOne = (already: ReadonlySet<string>): boolean => {
      picked.push([...already]);
      return false;
    };

    await expect(withHedging(hedge, new LatencyWindow(), roomyBudget(), onlyOne)(call)(get)).resolves.toBe(
      'slow answer',
    );
    expect(picked).toEqual([['slow']]);
  });

  it('is off unless configured', async () => {
    const { call } = twoInstances();
    await expect(
      withHedging({ enabled: false, delayMs: 20 }, new LatencyWindow(), roomyBudget(), anyOther)(call)(get),
    ).resolves.toBe('slow answer');
  });

  it('spends the retry budget, and does not hedge when it is empty', async () => {
    const { call } = twoInstances();
    const empty = new RetryBudget({ ratio: 0, windowMs: 10_000, minRetries: 0 });
    await expect(withHedging(hedge, new LatencyWindow(), empty, anyOther)(call)(get)).resolves.toBe(
      'slow answer',
    );
  });

  it('never hedges a write', async () => {
    const { call } = twoInstances();
    await expect(
      withHedging(hedge, new LatencyWindow(), roomyBudget(), anyOther)(call)({ ...get, method: 'PATCH' }),
    ).resolves.toBe('slow answer');
  });

  it('waits for the observed p95 when no delay is configured, and not at all before there are samples', async () => {
    const { call } = twoInstances();
    await expect(
      withHedging({ enabled: true, delayMs: 0 }, new LatencyWindow(), roomyBudget(), anyOther)(call)(get),
    ).resolves.toBe('slow answer');
    const latencies = new LatencyWindow();
    for (let sample = 0; sample < 50; sample += 1) {
      latencies.record(10);
    }
    const second = twoInstances();
    await expect(
      withHedging({ enabled: true, delayMs: 0 }, latencies, roomyBudget(), anyOther)(second.call)(get),
    ).resolves.toBe('fast answer');
  });
});
