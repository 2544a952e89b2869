import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { logListenerRefusal } from './access-log.js';
import { answerExpectations } from './expectations.js';

/** Sends `bytes` and reads until the server closes the connection; the whole answer, as text. */
function exchange(fastify: FastifyInstance, bytes: string): Promise<string> {
  const { port } = fastify.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

describe(answerExpectations.name, () => {
  let fastify: FastifyInstance;
  const lines: Array<Record<string, unknown>> = [];
  const counted: number[] = [];

  beforeAll(async () => {
    const logger = pino(
      { level: 'info', base: {} },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    const logRefusal = logListenerRefusal(logger);
    fastify = Fastify();
    answerExpectations(fastify.server, {
      bodyLimitBytes: 1024,
      headers: () => ({ 'x-content-type-options': 'nosniff' }),
      refused: (request, requestId, status) => {
        logRefusal(request, requestId, status);
        counted.push(status);
      },
    });
    fastify.get('/orders', async () => ({ ok: true }));
    fastify.post('/orders', async (request) => ({ received: request.body }));
    await fastify.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => fastify.close());
  beforeEach(() => {
    lines.length = 0;
    counted.length = 0;
  });

  it('answers an expectation other than 100-continue with a 417 problem, logged and counted without its query', async () => {
    const answer = await exchange(
      fastify,
      'GET /orders?token=secret HTTP/1.1\r\nHost: a.test\r\nExpect: 200-ok\r\nX-Request-Id: exp-1\r\n\r\n',
    );

    expect(answer).toMatch(/^HTTP\/1\.1 417 /);
    expect(answer).toMatch(/^content-type: application\/problem\+json/im);
    expect(answer).toMatch(/^x-content-type-options: nosniff\r$/im);
    expect(answer).toMatch(/^connection: close\r$/im);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 417,
      instance: '/orders',
      requestId: 'exp-1',
    });
    expect(lines).toEqual([
      expect.objectContaining({ requestId: 'exp-1', method: 'GET', path: '/orders', status: 417 }),
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/secret/);
    expect(counted).toEqual([417]);
  });

  it('refuses a body declared past the limit with a 413 problem instead of inviting it', async () => {
    const answer = await exchange(
      fastify,
      'POST /orders HTTP/1.1\r\nHost: a.test\r\nContent-Type: application/json\r\nContent-Length: 2048\r\nExpect: 100-continue\r\n\r\n',
    );

    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).not.toMatch(/100 Continue/);
    expect(answer).toMatch(/^connection: close\r$/im);
    expect(lines).toEqual([expect.objectContaining({ method: 'POST', path: '/orders', status: 413 })]);
    expect(counted).toEqual([413]);
  });

  it('invites a body within the limit with 100 Continue and hands the request to the routes', async () => {
    const answer = await exchange(
      fastify,
      'POST /orders HTTP/1.1\r\nHost: a.test\r\nContent-Type: application/json\r\nContent-Length: 8\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{"a": 1}',
    );

    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(answer).toContain('{"received":{"a":1}}');
    expect(lines).toEqual([]);
  });
});
