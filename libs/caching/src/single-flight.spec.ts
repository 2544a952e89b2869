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
    const load = (signal: AbortSignal): Promise<string> => {
      signal.addEventListener('abort', () => (aborted = true));
      return sleep(30).then(() => 'value');
    };
    const impatient = new AbortController();
    const first = flights.run('k', load, impatient.signal);
    const second = flights.run('k', load, new AbortController().signal);
    impatient.abort(new Error('gone'));
    await expect(first).rejects.toThrow('gone');
    await expect(second).resolves.toBe('value');
    expect(aborted).toBe(false);
  });

  it('cancels the load once every caller has left', async () => {
    const flights = new SingleFlight();
    let aborted = false;
    const load = (signal: AbortSignal): Promise<string> =>
      new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('cancelled'));
        }),
      );
    const callers = [new AbortController(), new AbortController()];
    const waits = callers.map((caller) => flights.run('k', load, caller.signal).catch(() => 'left'));
    callers.forEach((caller) => caller.abort(new Error('gone')));
    expect(await Promise.all(waits)).toEqual(['left', 'left']);
    expect(aborted).toBe(true);
  });
});
