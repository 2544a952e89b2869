import { describe, expect, it } from 'vitest';
import { timeoutAfterReads } from './timeout-after-reads.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('timeoutAfterReads', () => {
  it('times out work that does not answer, once its time has passed', async () => {
    const started = performance.now();
    await new Promise<void>((resolve) => timeoutAfterReads(50, resolve));
    expect(performance.now() - started).toBeGreaterThanOrEqual(49);
  });

  it('never fires once stopped, even when it was due', async () => {
    let fired = false;
    const stop = timeoutAfterReads(10, () => {
      fired = true;
    });
    await sleep(10);
    stop();
    await sleep(30);
    expect(fired).toBe(false);
  });
});
