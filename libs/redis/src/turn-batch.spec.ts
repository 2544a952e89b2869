import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TurnBatch } from './turn-batch.js';

/** A sender that records each call and answers every item doubled. */
function recordingSender(): { calls: number[][]; send: (items: readonly number[]) => Promise<number[]> } {
  const calls: number[][] = [];
  return {
    calls,
    send: (items) => {
      calls.push([...items]);
      return Promise.resolve(items.map((item) => item * 2));
    },
  };
}

describe(TurnBatch.name, () => {
  it('sends what was asked in one turn as one call, and answers each caller its own', async () => {
    const sender = recordingSender();
    const batch = new TurnBatch(sender.send, 10);

    const answers = await Promise.all([batch.add(1), batch.add(2), batch.add(3)]);

    expect(answers).toEqual([2, 4, 6]);
    expect(sender.calls).toEqual([[1, 2, 3]]);
  });

  it('splits a crowd into calls of at most the limit, in order', async () => {
    const sender = recordingSender();
    const batch = new TurnBatch(sender.send, 2);

    const answers = await Promise.all([1, 2, 3, 4, 5].map((item) => batch.add(item)));

    expect(answers).toEqual([2, 4, 6, 8, 10]);
    expect(sender.calls).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('sends what is asked in a later turn in a call of its own', async () => {
    const sender = recordingSender();
    const batch = new TurnBatch(sender.send, 10);

    const first = batch.add(1);
    await nextTurn();
    const second = batch.add(2);

    expect(await Promise.all([first, second])).toEqual([2, 4]);
    expect(sender.calls).toEqual([[1], [2]]);
  });

  it('answers every caller undefined when the call fails or its sender throws, rather than leaving them waiting', async () => {
    const failing = new TurnBatch<number, number>(() => Promise.resolve(undefined), 10);
    const rejecting = new TurnBatch<number, number>(() => Promise.reject(new Error('bug')), 10);
    const throwing = new TurnBatch<number, number>(() => {
      throw new Error('bug');
    }, 10);

    expect(await Promise.all([failing.add(1), failing.add(2), rejecting.add(3), throwing.add(4)])).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
