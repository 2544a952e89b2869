import type { FaultKnobs, ServiceName } from '@app/config';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { demoUser } from './demo-data.js';
import { startDemoServices, type DemoServices } from './demo-services.js';

const NO_FAULTS: FaultKnobs = { latencyMs: 0, errorRate: 0, down: false, malformed: false, hang: false };
const EPHEMERAL_PORTS: Record<ServiceName, number> = { user: 0, order: 0, preference: 0 };
const JSON_UTF8 = 'application/json; charset=utf-8';

function start(faults: Partial<Record<ServiceName, FaultKnobs>> = {}): Promise<DemoServices> {
  return startDemoServices({
    host: '127.0.0.1',
    ports: EPHEMERAL_PORTS,
    faults: { user: NO_FAULTS, order: NO_FAULTS, preference: NO_FAULTS, ...faults },
  });
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

function putFaults(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  return json(`${url}/__faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('fault knobs', () => {
  let services: DemoServices;
  let userUrl: string;

  beforeAll(async () => {
    services = await start();
    userUrl = services.urls.user;
  });

  afterAll(async () => {
    await services.close();
  });

  beforeEach(() => {
    for (const faults of Object.values(services.faults)) {
      faults.reset();
      faults.resetCount();
    }
  });

  describe('injected faults', () => {
    it('delays the answer by at least the configured latency', async () => {
      services.faults.user.set({ latencyMs: 150 });
      const startedAt = performance.now();
      const answer = await json(`${userUrl}/users/u1`);
      const elapsed = performance.now() - startedAt;
      expect(answer).toEqual({ status: 200, body: demoUser('u1') });
      // Node may fire a timer up to a millisecond early, since it rounds to whole milliseconds.
      expect(elapsed).toBeGreaterThanOrEqual(149);
    });

    it('fails every request with a JSON 500 at error rate 1', async () => {
      services.faults.user.set({ errorRate: 1 });
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${userUrl}/users/u1`);
        expect(response.status).toBe(500);
        expect(response.headers.get('content-type')).toBe(JSON_UTF8);
        expect(await response.json()).toEqual({ error: 'injected failure' });
      }
    });

    it('fails some requests and answers others at error rate 0.5', async () => {
      services.faults.user.set({ errorRate: 0.5 });
      const statuses = await Promise.all(
        Array.from({ length: 100 }, async () => (await fetch(`${userUrl}/users/u1`)).status),
      );
      // Both outcomes are missing from 100 fair coin flips with probability 2^-99.
      expect(new Set(statuses)).toEqual(new Set([200, 500]));
    });

    it('resets the connection without an answer when down', async () => {
      services.faults.user.set({ down: true });
      await expect(fetch(`${userUrl}/users/u1`)).rejects.toThrow(TypeError);
      await expect(fetch(`${userUrl}/health`)).rejects.toThrow(TypeError);
    });

    it('alternates unparsable JSON and well-formed JSON of the wrong shape when malformed', async () => {
      services.faults.user.set({ malformed: true });
      const answers = [];
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${userUrl}/users/u1`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe(JSON_UTF8);
        answers.push(await response.text());
      }
      const parsed = answers.map((text) => {
        try {
          return JSON.parse(text) as unknown;
        } catch (error) {
          return error instanceof SyntaxError ? 'unparsable' : error;
        }
      });
      expect(parsed).toEqual(['unparsable', { unexpected: true }, 'unparsable', { unexpected: true }]);
    });

    it('never answers while hanging, until the client gives up', async () => {
      services.faults.order.set({ hang: true });
      await expect(
        fetch(`${services.urls.order}/orders?userId=u1`, { signal: AbortSignal.timeout(200) }),
      ).rejects.toThrow(expect.objectContaining({ name: 'TimeoutError' }));
      expect(services.faults.order.requestCount()).toBe(1);
    });

    it('applies faults to /health too', async () => {
      services.faults.preference.set({ errorRate: 1 });
      expect(await json(`${services.urls.preference}/health`)).toEqual({
        status: 500,
        body: { error: 'injected failure' },
      });
    });

    it('leaves the other services alone', async () => {
      services.faults.user.set({ down: true });
      expect((await fetch(`${services.urls.order}/health`)).status).toBe(200);
    });
  });

  describe('control endpoints', () => {
    it('reads the current knobs', async () => {
      services.faults.user.set({ latencyMs: 5 });
      expect(await json(`${userUrl}/__faults`)).toEqual({
        status: 200,
        body: { ...NO_FAULTS, latencyMs: 5 },
      });
    });

    it('merges a partial update into the knobs', async () => {
      expect(await putFaults(userUrl, { errorRate: 0.25 })).toEqual({
        status: 200,
        body: { ...NO_FAULTS, errorRate: 0.25 },
      });
      expect(await putFaults(userUrl, { malformed: true })).toEqual({
        status: 200,
        body: { ...NO_FAULTS, errorRate: 0.25, malformed: true },
      });
      expect(services.faults.user.get()).toEqual({ ...NO_FAULTS, errorRate: 0.25, malformed: true });
    });

    it('rejects knobs out of range, of the wrong type or unknown, and keeps the old ones', async () => {
      for (const body of [
        { errorRate: 2 },
        { latencyMs: -1 },
        { latencyMs: 1.5 },
        { down: 'yes' },
        { slow: true },
        [],
        null,
      ]) {
        const answer = await putFaults(userUrl, body);
        expect({ body, status: answer.status }).toEqual({ body, status: 400 });
        expect(answer.body).toEqual({ error: expect.any(String) });
      }
      expect(services.faults.user.get()).toEqual(NO_FAULTS);
    });

    it('resets to the knobs the service started with', async () => {
      const slow = await start({ user: { ...NO_FAULTS, latencyMs: 20 } });
      try {
        await putFaults(slow.urls.user, { latencyMs: 0, down: true });
        expect(await json(`${slow.urls.user}/__faults`, { method: 'DELETE' })).toEqual({
          status: 200,
          body: { ...NO_FAULTS, latencyMs: 20 },
        });
      } finally {
        await slow.close();
      }
    });

    it('stays reachable while the service is down or hanging, so it can be brought back', async () => {
      await putFaults(userUrl, { down: true, hang: true });
      expect((await json(`${userUrl}/__stats`)).status).toBe(200);
      expect(await json(`${userUrl}/__faults`, { method: 'DELETE' })).toEqual({
        status: 200,
        body: NO_FAULTS,
      });
      expect((await json(`${userUrl}/users/u1`)).status).toBe(200);
    });
  });

  describe('request counting', () => {
    it('counts data requests, answered or not, but not health checks or control calls', async () => {
      await fetch(`${userUrl}/users/u1`);
      await fetch(`${userUrl}/users/${'missing-1'}`);
      await fetch(`${userUrl}/health`);
      await fetch(`${userUrl}/__faults`);
      services.faults.user.set({ errorRate: 1 });
      await fetch(`${userUrl}/users/u1`);
      expect(await json(`${userUrl}/__stats`)).toEqual({ status: 200, body: { requests: 3 } });
      expect(services.faults.user.requestCount()).toBe(3);
    });

    it('counts requests that a down service drops', async () => {
      services.faults.user.set({ down: true });
      await expect(fetch(`${userUrl}/users/u1`)).rejects.toThrow(TypeError);
      expect(services.faults.user.requestCount()).toBe(1);
    });

    it('starts again from zero after a reset', async () => {
      await fetch(`${userUrl}/users/u1`);
      expect(await json(`${userUrl}/__stats`, { method: 'DELETE' })).toEqual({
        status: 200,
        body: { requests: 0 },
      });
      expect(services.faults.user.requestCount()).toBe(0);
    });
  });
});

describe('closing the demo services', () => {
  it('closes promptly while requests hang or wait out their latency', async () => {
    const services = await start({
      user: { ...NO_FAULTS, hang: true },
      order: { ...NO_FAULTS, latencyMs: 60_000 },
    });
    // Settled at once, so the rejections that close() causes are observed rather than reported unhandled.
    const outcomes = Promise.allSettled([
      fetch(`${services.urls.user}/users/u1`),
      fetch(`${services.urls.order}/orders/o-u1-1`),
    ]);
    // Both requests must have reached their fault before close, or close would only race the connect.
    while (services.faults.user.requestCount() + services.faults.order.requestCount() < 2) {
      await sleep(5);
    }
    await services.close();
    expect((await outcomes).map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });
});
