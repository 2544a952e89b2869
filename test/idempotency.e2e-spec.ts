import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

describe('PATCH /web/preferences with an Idempotency-Key', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const patch = (sub: string, body: unknown, key?: string): Promise<Response> =>
    fetch(`${stack.webUrl}/web/preferences`, {
      method: 'PATCH',
      headers: {
        ...bearer(sub),
        'content-type': 'application/json',
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      body: JSON.stringify(body),
    });

  it('answers a repeat of the request with the first answer, without writing again', async () => {
    const first = await patch('i1', { theme: 'dark' }, 'retry-1');
    expect(first.status).toBe(200);
    const firstBody = await first.json();
    stack.demo.faults.preference.resetCount();

    const repeat = await patch('i1', { theme: 'dark' }, 'retry-1');
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual(firstBody);
    expect(stack.demo.faults.preference.requestCount()).toBe(0);
  });

  it('writes once for requests with one key that arrive together, and gives each the same answer', async () => {
    stack.demo.faults.preference.set({ latencyMs: 300 });
    stack.demo.faults.preference.resetCount();
    try {
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => patch('i5', { theme: 'system' }, 'together-5')),
      );
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      const bodies = await Promise.all(answers.map((answer) => answer.json()));
      expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);
      expect(stack.demo.faults.preference.requestCount()).toBe(1);
    } finally {
      stack.demo.faults.preference.reset();
    }
  });

  it('refuses the second of two different requests with one key that arrive together', async () => {
    stack.demo.faults.preference.set({ latencyMs: 300 });
    try {
      const answers = await Promise.all([
        patch('i6', { theme: 'dark' }, 'together-6'),
        patch('i6', { theme: 'light' }, 'together-6'),
      ]);
      // Whichever arrived first is written; the other is refused.
      expect(answers.map((answer) => answer.status).sort((a, b) => a - b)).toEqual([200, 409]);
      await expectProblem(answers.find((answer) => answer.status === 409) as Response, 409);
    } finally {
      stack.demo.faults.preference.reset();
    }
  });

  it('refuses the same key on a different request with a 409 problem', async () => {
    expect((await patch('i2', { theme: 'dark' }, 'retry-2')).status).toBe(200);
    await expectProblem(await patch('i2', { theme: 'light' }, 'retry-2'), 409);
  });

  it("keeps one caller's keys apart from another's", async () => {
    expect((await patch('i3', { theme: 'dark' }, 'shared-key')).status).toBe(200);
    stack.demo.faults.preference.resetCount();
    expect((await patch('i4', { theme: 'light' }, 'shared-key')).status).toBe(200);
    expect(stack.demo.faults.preference.requestCount()).toBe(1);
  });

  it('writes every time without a key', async () => {
    stack.demo.faults.preference.resetCount();
    await patch('i5', { theme: 'dark' });
    await patch('i5', { theme: 'dark' });
    expect(stack.demo.faults.preference.requestCount()).toBe(2);
  });

  it('refuses a malformed key with a 400 problem naming the header', async () => {
    const body = await expectProblem(await patch('i6', { theme: 'dark' }, 'has spaces'), 400);
    expect(body.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
  });
});
