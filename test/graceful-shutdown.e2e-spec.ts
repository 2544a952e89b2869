import { Agent, get, request, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { gracefulShutdown } from '@app/http';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

describe('graceful shutdown', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Budgets long enough for the slow request to outlast the grace period and finish while connections drain.
    stack = await startStack({ UPSTREAM_TIMEOUT_MS: '6000', AGGREGATE_DEADLINE_MS: '6000' });
  });
  afterAll(async () => {
    // The BFFs are closed by the test itself; what is left is the demo services.
    await stack.demo.close();
  });

  it('turns readiness off at once, refuses new connections after the grace period, and still completes a slow request in flight', async () => {
    stack.demo.faults.user.set({ latencyMs: 2_500 });
    stack.demo.faults.user.resetCount();
    const slow = fetch(`${stack.mobileUrl}/mobile/profile`, { headers: bearer('u1') });
    // Shutdown begins once the slow request is being served: it has reached the user service.
    await vi.waitFor(() => expect(stack.demo.faults.user.requestCount()).toBe(1), {
      timeout: 5_000,
      interval: 10,
    });

    const shutdown = gracefulShutdown([stack.apps.mobile, stack.apps.web], {
      graceMs: 2_000,
      drainMs: 5_000,
    });

    const ready = await fetch(`${stack.mobileUrl}/health/ready`, { headers: { connection: 'close' } });
    expect(ready.status).toBe(503);
    expect(
      ((await ready.json()) as { details: { lifecycle: { status: string } } }).details.lifecycle.status,
    ).toBe('down');
    expect((await fetch(`${stack.mobileUrl}/health/live`, { headers: { connection: 'close' } })).status).toBe(
      200,
    );
    // A keep-alive client is told to reconnect, which takes it to an instance that stays.
    const live = await new Promise<IncomingMessage>((resolve, reject) =>
      get(`${stack.mobileUrl}/health/live`, { agent: new Agent({ keepAlive: true }) }, resolve).on(
        'error',
        reject,
      ),
    );
    live.resume();
    expect(live.headers.connection).toBe('close');

    // Past the grace period (generous, so a loaded machine still checks readiness within it).
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    await expect(
      fetch(`${stack.webUrl}/health/live`, { headers: { connection: 'close' } }),
    ).rejects.toThrow();

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { user: { id: string } }).user.id).toBe('u1');
    await shutdown;
  });
});

describe('graceful shutdown after clients hung up', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.demo.close();
  });

  it('waits for no request whose client hung up after sending it, once its work is done', async () => {
    stack.demo.faults.preference.set({ latencyMs: 400 });
    const url = new URL(`${stack.webUrl}/web/preferences`);
    const body = JSON.stringify({ theme: 'dark' });
    const patch = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'PATCH',
      headers: {
        ...bearer('hung-up'),
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    patch.on('error', () => undefined);
    patch.end(body);
    // The body is sent and the change on its way to the preference service; then the client goes.
    await vi.waitFor(() => expect(stack.demo.faults.preference.requestCount()).toBeGreaterThan(0), {
      timeout: 5_000,
      interval: 10,
    });
    patch.destroy();
    await sleep(1_000);

    const startedAt = performance.now();
    await gracefulShutdown([stack.apps.mobile, stack.apps.web], { graceMs: 0, drainMs: 5_000 });

    expect(performance.now() - startedAt).toBeLessThan(2_500);
  });
});
