import Fastify from 'fastify';
import { pino } from 'pino';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { logAbandoned, logAccess, logParserRefusal, logRouterRefusal } from './access-log.js';
import { answerParserErrors, answerRouterErrors } from './early-problem.js';
import { trackInFlight } from './in-flight.js';

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

describe('the level of an access line', () => {
  it("logs a 501 for what the client sent as refused, and the gateway's own 500 as failed", async () => {
    const { lines, stream } = capture();
    const fastify = Fastify();
    logAccess(fastify, pino({ level: 'info', base: {} }, stream));
    fastify.get('/coded', async (_request, reply) => reply.status(501).send({}));
    fastify.get('/broken', async (_request, reply) => reply.status(500).send({}));

    await fastify.inject({ url: '/coded' });
    await fastify.inject({ url: '/broken' });
    await fastify.close();

    expect(lines).toEqual([
      expect.objectContaining({ status: 501, level: 40, msg: 'request refused' }),
      expect.objectContaining({ status: 500, level: 50, msg: 'request failed' }),
    ]);
  });
});

describe('the access lines of requests the gateway refuses on their socket', () => {
  /** Sends `bytes` and keeps the connection open until the server ends it; the whole answer, as text. */
  function exchange(port: number, bytes: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let answer = '';
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve(answer));
    });
  }

  async function server(lines: Writable): Promise<{ port: number; close: () => Promise<void> }> {
    const logger = pino({ level: 'info', base: {} }, lines);
    const fastify = Fastify({
      // As the gateway sets them (connection-limits.ts), short: Node checks for timed-out requests every 30 s by default.
      http: { headersTimeout: 300, requestTimeout: 300, connectionsCheckingInterval: 50 },
      requestTimeout: 300,
      clientErrorHandler: answerParserErrors(logParserRefusal(logger), 16 * 1024),
    });
    trackInFlight(fastify, logAbandoned(logger));
    logAccess(fastify, logger);
    fastify.post('/write', async () => ({ ok: true }));
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    return { port: (fastify.server.address() as AddressInfo).port, close: () => fastify.close() };
  }

  const requestIdOf = (answer: string): string | undefined => /^x-request-id: (\S+)\r$/im.exec(answer)?.[1];

  it('logs bytes that are not HTTP as refused, under the id their problem answer carries', async () => {
    const { lines, stream } = capture();
    const { port, close } = await server(stream);

    const answer = await exchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    await close();

    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(lines).toEqual([
      expect.objectContaining({ requestId: requestIdOf(answer), status: 400, msg: 'request refused' }),
    ]);
  });

  it('logs a body that came too slowly as the 408 it was answered, not as a client that hung up', async () => {
    const { lines, stream } = capture();
    const { port, close } = await server(stream);

    const answer = await exchange(
      port,
      'POST /write HTTP/1.1\r\nHost: a.test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
    );
    await close();

    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(lines).toEqual([
      expect.objectContaining({
        requestId: requestIdOf(answer),
        route: '/write',
        status: 408,
        msg: 'request refused',
      }),
    ]);
  });
});

describe('the access lines of requests the router refuses', () => {
  it('logs a URL that cannot be decoded and a path segment too long, with their method, path and status', async () => {
    const { lines, stream } = capture();
    const logger = pino({ level: 'info', base: {} }, stream);
    const fastify = Fastify({
      routerOptions: { maxParamLength: 16 },
      frameworkErrors: answerRouterErrors(logRouterRefusal(logger), () => ({})),
    });
    logAccess(fastify, logger);
    fastify.get('/orders/:id', async () => ({ ok: true }));

    const badEscape = await fastify.inject({ url: '/orders/%E0%A4%A?token=secret' });
    const tooLong = await fastify.inject({ url: `/orders/${'o'.repeat(40)}` });
    await fastify.close();

    expect([badEscape.statusCode, tooLong.statusCode]).toEqual([400, 414]);
    for (const answer of [badEscape, tooLong]) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['content-security-policy']).toBeDefined();
    }
    expect(lines).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/orders/%E0%A4%A',
        status: 400,
        msg: 'request refused',
      }),
      expect.objectContaining({ method: 'GET', route: 'unmatched', status: 414, msg: 'request refused' }),
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/secret/);
  });
});
