import Fastify from 'fastify';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { logAccess } from './access-log.js';

function capture(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe(logAccess.name, () => {
  it('writes one line per request with its id, caller, route, status and upstream calls, and nothing secret', async () => {
    const { lines, stream } = capture();
    const fastify = Fastify();
    fastify.decorateRequest('context');
    fastify.addHook('onRequest', (request, _reply, done) => {
      request.context = {
        requestId: request.id,
        trace: { traceId: 'a'.repeat(32), parentSpanId: undefined, spanId: 'b'.repeat(16), sampled: false },
        receivedAt: 0,
        noCache: false,
        route: undefined,
        callerId: 'user:u1',
        upstreamCalls: [{ service: 'user', outcome: 'ok', ms: 12 }],
      };
      done();
    });
    logAccess(fastify, pino({ level: 'info', base: {} }, stream));
    fastify.get('/mobile/orders/:id', async () => ({ ok: true }));
    fastify.get('/health', async () => ({ status: 'ok' }));

    await fastify.inject({
      url: '/mobile/orders/o-1?token=secret',
      headers: { authorization: 'Bearer secret-token' },
    });
    await fastify.inject({ url: '/health' });
    await fastify.inject({ url: '/nowhere' });
    // A scan hiding under a polled prefix is no poll.
    await fastify.inject({ url: '/health/../admin' });
    await fastify.close();

    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      caller: 'user:u1',
      method: 'GET',
      route: '/mobile/orders/:id',
      path: '/mobile/orders/o-1',
      status: 200,
      upstream: [{ service: 'user', outcome: 'ok', ms: 12 }],
      msg: 'request completed',
    });
    expect(lines[1]).toMatchObject({ route: 'unmatched', status: 404, msg: 'request refused' });
    expect(lines[2]).toMatchObject({ route: 'unmatched', status: 404 });
    expect(JSON.stringify(lines)).not.toMatch(/secret/);
  });
});
