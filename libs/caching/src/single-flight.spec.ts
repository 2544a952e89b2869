import { Cancellation, type CancelSignal } from '@app/cancellation';
import { setTimeout as sleep } from 'node:timers/promises';
import { SingleFlight } from './single-flight.js';

describe(SingleFlight.name, () => {
  it('lets concurrent callers of one key share one load', async () => {
    const flights = new SingleFlight();
    const load = vi.fn(async () => {
      await sleep(20);
      return 'value';
    });
    const results = await Promise.all(Array.from({ length: 50 }, () => flights.run('k', load)));
    expect(results.every((result) => result === 'value')).toBe(true);
    expect(load).toHaveBeenCalledTimes(1);
    expect(flights.size).toBe(0);
  });

  it('loads again once the shared load has settled', async () => {
    const flights = new SingleFlight();
    const load = vi.fn(async () => 'value');
    await flights.run('k', load);
    await flights.run('k', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('keeps the load running for the others when one caller leaves', async () => {
    const flights = new SingleFlight();
    let aborted = false;
    const load = (signal: CancelSignal): Promise<string> => {
      signal.onAbort(() => (aborted = true));
      return sleep(30).then(() => 'value');
    };
    const impatient = new Cancellation();
    const first = flights.run('k', load, impatient);
    const second = flights.run('k', load, new Cancellation());
    impatient.abort(new Error('gone'));
    await expect(first).rejects.toThrow('gone');
    await expect(second).resolves.toBe('value');
    expect(aborted).toBe(false);
  });

  it('cancels the load once every caller has left', async () => {
    const flights = new SingleFlight();
    let aborted = false;
    const load = (signal: CancelSignal): Promise<string> =>
      new Promise((_resolve, reject) =>
        signal.onAbort(() => {
          aborted = true;
          reject(new Error('cancelled'));
        }),
      );
    const callers = [new Cancellation(), new Cancellation()];
    const waits = callers.map((caller) => flights.run('k', load, caller).catch(() => 'left'));
    callers.forEach((caller) => caller.abort(new Error('gone')));
    expect(await Promise.all(waits)).toEqual(['left', 'left']);
    expect(aborted).toBe(true);
  });

  it('starts no load for a caller that has already left, and leaves no rejection unhandled', async () => {
    const flights = new SingleFlight();
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', record);
    const load = vi.fn(
      (signal: CancelSignal): Promise<string> =>
        new Promise((_resolve, reject) => signal.onAbort(() => reject(new Error('cancelled')))),
    );
    const gone = new Cancellation();
    gone.abort(new Error('gone'));

    try {
      await expect(flights.run('k', load, gone)).rejects.toThrow('gone');
      // Unhandled rejections are reported after the microtask queue drains.
      await sleep(10);
    } finally {
      process.off('unhandledRejection', record);
    }

    expect(load).not.toHaveBeenCalled();
    expect(unhandled).toEqual([]);
    expect(flights.size).toBe(0);
  });
});

describe(`${SingleFlight.name}, when callers leave`, () => {
  it('lets a load abandoned by every caller fail without taking the process down', async () => {
    const flights = new SingleFlight();
    const caller = new Cancellation();
    const load = (signal: CancelSignal): Promise<string> =>
      new Promise((_resolve, reject) => signal.onAbort(() => reject(new Error('cancelled'))));
    const waiting = flights.run('k', load, caller);
    caller.abort(new Error('client closed'));
    await expect(waiting).rejects.toThrow('client closed');
    // An unhandled rejection here would fail this run (Vitest reports it) and end a production process.
    await sleep(10);
    expect(flights.size).toBe(0);
  });
});
