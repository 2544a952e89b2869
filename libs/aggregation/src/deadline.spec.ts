import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientClosedError, Deadline, DeadlineExceededError } from './deadline.js';

describe(Deadline.name, () => {
  it('starts watching only when work first asks for its signal, and only once', () => {
    const starts: Deadline[] = [];
    const deadline = new Deadline(performance.now() + 1_000, undefined, undefined, undefined, (started) =>
      starts.push(started),
    );
    expect(starts).toEqual([]);

    const signal = deadline.signal;
    expect(deadline.signal).toBe(signal);
    expect(starts).toEqual([deadline]);
    expect(signal.aborted).toBe(false);
    deadline.dispose();
  });

  it('aborts with a timeout when its time runs out after the work started', async () => {
    const deadline = Deadline.after(20);
    const signal = deadline.signal;

    await sleep(40);

    expect(signal.reason).toBeInstanceOf(DeadlineExceededError);
    expect(deadline.expired).toBe(true);
  });

  it('is out of time at once for work that starts after it has passed', async () => {
    const deadline = Deadline.after(5);
    await sleep(10);

    expect(deadline.signal.reason).toBeInstanceOf(DeadlineExceededError);
  });

  it('stays cancelled for work that starts after the client left', () => {
    const deadline = Deadline.after(1_000);
    deadline.cancel();

    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBeInstanceOf(ClientClosedError);
    expect(deadline.expired).toBe(false);
  });

  it('never times out once the answer is sent', async () => {
    const deadline = Deadline.after(20);
    const signal = deadline.signal;
    deadline.dispose();

    await sleep(40);

    expect(signal.aborted).toBe(false);
  });
});
