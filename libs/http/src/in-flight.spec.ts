import Fastify from 'fastify';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { inFlight, trackInFlight } from './in-flight.js';

describe(trackInFlight.name, () => {
  it('counts a request out when its client hangs up mid-way, and names it as abandoned', async () => {
    const fastify = Fastify();
    const abandoned: string[] = [];
    trackInFlight(fastify, (each) => abandoned.push(each.url));
    fastify.post('/slow', async () => {
      await sleep(200);
      return { done: true };
    });
    fastify.get('/quick', async () => ({ done: true }));
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fastify.server.address() as AddressInfo;

    const body = JSON.stringify({ change: 1 });
    const cut = request({
      host: '127.0.0.1',
      port,
      path: '/slow',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    cut.on('error', () => undefined);
    cut.end(body);
    await vi.waitFor(() => expect(inFlight(fastify)).toBe(1), { timeout: 2_000, interval: 5 });
    cut.destroy();
    expect((await fetch(`http://127.0.0.1:${port}/quick`)).status).toBe(200);

    await vi.waitFor(() => expect(inFlight(fastify)).toBe(0), { timeout: 2_000, interval: 5 });
    expect(abandoned).toEqual(['/slow']);
    await fastify.close();
  });
});
