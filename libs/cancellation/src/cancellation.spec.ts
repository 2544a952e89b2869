import { Cancellation, delay, NEVER_CANCELLED } from './cancellation.js';

describe(Cancellation.name, () => {
  it('tells every listener the reason once, and later aborts change nothing', () => {
    const cancellation = new Cancellation();
    const heard: unknown[] = [];
    cancellation.onAbort((reason) => heard.push(['first', reason]));
    cancellation.onAbort((reason) => heard.push(['second', reason]));
    cancellation.abort('deadline');
    cancellation.abort('again');
    expect(heard).toEqual([
      ['first', 'deadline'],
      ['second', 'deadline'],
    ]);
    expect(cancellation.aborted).toBe(true);
    expect(cancellation.reason).toBe('deadline');
  });

  it('gives the same AbortError reason as an AbortController aborted without one', () => {
    const cancellation = new Cancellation();
    const controller = new AbortController();
    cancellation.abort();
    controller.abort();
    expect(cancellation.reason).toBeInstanceOf(DOMException);
    expect((cancellation.reason as DOMException).name).toBe((controller.signal.reason as DOMException).name);
  });

  it('no longer calls a listener that stopped listening, and still calls the others', () => {
    const cancellation = new Cancellation();
    const heard: string[] = [];
    const stop = cancellation.onAbort(() => heard.push('gone'));
    cancellation.onAbort(() => heard.push('stayed'));
    stop();
    cancellation.abort();
    expect(heard).toEqual(['stayed']);
  });

  it('calls a listener added after the abort at once, with the reason', () => {
    const cancellation = new Cancellation();
    cancellation.abort('late');
    const heard: unknown[] = [];
    cancellation.onAbort((reason) => heard.push(reason));
    expect(heard).toEqual(['late']);
  });

  it('runs every listener even when one throws, then throws the first error', () => {
    const cancellation = new Cancellation();
    const heard: string[] = [];
    cancellation.onAbort(() => {
      throw new Error('listener broke');
    });
    cancellation.onAbort(() => heard.push('still told'));
    expect(() => cancellation.abort()).toThrow('listener broke');
    expect(heard).toEqual(['still told']);
  });

  describe('following a parent', () => {
    it('is cancelled with the parent’s reason', () => {
      const parent = new Cancellation();
      const child = Cancellation.following(parent);
      parent.abort('client left');
      expect(child.aborted).toBe(true);
      expect(child.reason).toBe('client left');
    });

    it('starts cancelled under a parent that already is', () => {
      const parent = new Cancellation();
      parent.abort('too late');
      expect(Cancellation.following(parent).reason).toBe('too late');
    });

    it('leaves its parent alone when it is cancelled itself, and stops listening to it', () => {
      const parent = new Cancellation();
      const child = Cancellation.following(parent);
      const heard: unknown[] = [];
      child.onAbort((reason) => heard.push(reason));
      child.abort('attempt lost the race');
      parent.abort('request over');
      expect(parent.reason).toBe('request over');
      expect(heard).toEqual(['attempt lost the race']);
    });

    it('follows nothing when there is no parent', () => {
      expect(Cancellation.following(undefined).aborted).toBe(false);
    });
  });

  it('NEVER_CANCELLED is never cancelled and never calls back', () => {
    const heard: unknown[] = [];
    NEVER_CANCELLED.onAbort((reason) => heard.push(reason))();
    expect(NEVER_CANCELLED.aborted).toBe(false);
    expect(heard).toEqual([]);
  });
});

describe(delay.name, () => {
  it('resolves once the wait is over, not before, when nothing cancels it', async () => {
    vi.useFakeTimers();
    try {
      let resolved = false;
      const waiting = delay(1_000).then(() => (resolved = true));
      await vi.advanceTimersByTimeAsync(999);
      expect(resolved).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await waiting;
      expect(resolved).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects with the reason as soon as it is cancelled, without waiting out the delay', async () => {
    const cancellation = new Cancellation();
    const waiting = delay(60_000, cancellation);
    cancellation.abort(new Error('deadline passed'));
    await expect(waiting).rejects.toThrow('deadline passed');
  });

  it('rejects at once under a signal already cancelled', async () => {
    const cancellation = new Cancellation();
    cancellation.abort(new Error('gone'));
    await expect(delay(60_000, cancellation)).rejects.toThrow('gone');
  });
});
