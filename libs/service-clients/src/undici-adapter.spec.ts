import { Cancellation } from '@app/cancellation';
import { AxiosHeaders, isCancel, type Axios } from 'axios';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leanAxios, targetOf, withQuery, type LeanAxios } from './undici-adapter.js';

/** The client with its adapter in the defaults, so these calls need not name it as the gateway's do. */
function clientOf({ client, adapter }: LeanAxios): Axios {
  client.defaults.adapter = adapter;
  return client;
}

describe('targetOf', () => {
  it('appends a path to a base URL with one slash, keeping the base path', () => {
    expect(targetOf('http://10.0.0.1:8080/api/', '/users/u1')).toEqual({
      origin: 'http://10.0.0.1:8080',
      path: '/api/users/u1',
    });
  });

  it('encodes query parameters and leaves out the undefined ones', () => {
    expect(targetOf('http://h', '/orders', { userId: 'a b&c', page: 2, cursor: undefined }).path).toBe(
      '/orders?userId=a%20b%26c&page=2',
    );
  });

  it('takes an absolute URL as it is', () => {
    expect(targetOf(undefined, 'http://h:1/health')).toEqual({ origin: 'http://h:1', path: '/health' });
  });
});

describe('withQuery', () => {
  it('adds parameters after a query the path already has, with one separator', () => {
    expect(withQuery('/orders?status=paid', { userId: 'u1', limit: 3 })).toBe(
      '/orders?status=paid&userId=u1&limit=3',
    );
  });

  it('repeats a field once per value of a list, in order', () => {
    expect(withQuery('/users', { status: ['paid', 'a&b'], limit: 3 })).toBe(
      '/users?status=paid&status=a%26b&limit=3',
    );
  });

  it('leaves a path alone when every parameter is empty', () => {
    expect(withQuery('/orders', { cursor: undefined, status: null })).toBe('/orders');
  });
});

describe('undiciAdapter', () => {
  let server: Server;
  let http: Axios;
  let received: { url?: string; headers: Record<string, unknown>; body: string }[] = [];
  const pools = new Agent({ connections: 4 });

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ url: request.url, headers: request.headers, body });
        if (request.url === '/slow') {
          setTimeout(() => response.end('{}'), 500);
        } else if (request.url === '/large') {
          response.end(JSON.stringify({ blob: 'x'.repeat(5000) }));
        } else if (request.url === '/chunked-large') {
          response.write('x'.repeat(3000));
          response.end('x'.repeat(3000));
        } else {
          response
            .writeHead(201, { 'content-type': 'application/json', 'x-upstream': ['a', 'b'] })
            .end('{"ok":true}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    http = clientOf(leanAxios(pools, 4096));
    http.defaults.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await pools.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the method, headers, query and JSON body, and returns status and text', async () => {
    received = [];
    const response = await http.request<string>({
      url: '/things',
      method: 'POST',
      params: { q: 'x y' },
      data: '{"name":"n"}',
      headers: { 'x-request-id': 'r1', host: 'users.internal', 'content-type': 'application/json' },
    });
    expect(response.status).toBe(201);
    // Text, as the transport parses and validates it itself: axios's own JSON parsing is off.
    expect(response.data).toBe('{"ok":true}');
    // axios's own header type, so its case-insensitive reads work on what undici parsed.
    expect(response.headers).toBeInstanceOf(AxiosHeaders);
    expect((response.headers as AxiosHeaders).get('Content-Type')).toBe('application/json');
    expect(response.headers['x-upstream']).toEqual(['a', 'b']);
    expect(received[0]).toMatchObject({
      url: '/things?q=x%20y',
      body: '{"name":"n"}',
      headers: { 'x-request-id': 'r1', host: 'users.internal', 'content-type': 'application/json' },
    });
  });

  it('hands back no header fields to a call that reads none, and the status and body as ever', async () => {
    const response = await http.request<string>({ url: '/things', answerHeaders: false });

    expect(response.status).toBe(201);
    expect(response.data).toBe('{"ok":true}');
    expect(response.headers).toBeInstanceOf(AxiosHeaders);
    expect((response.headers as AxiosHeaders).toJSON()).toEqual({});
  });

  it('sends header fields handed over as a list as they are, and headers fields only where the list names none', async () => {
    received = [];
    await http.request<string>({
      url: '/things',
      method: 'PATCH',
      data: '{"name":"n"}',
      headerFields: ['content-type', 'application/json', 'x-request-id', 'r2'],
      headers: { 'X-Request-Id': 'ignored', 'X-Extra': 'kept' },
    });
    const headers = received[0].headers;
    // axios gives every write a form Content-Type of its own unless one is set; the list's must be the only one sent.
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-request-id']).toBe('r2');
    expect(headers['x-extra']).toBe('kept');
  });

  it.each(['POST', 'PUT', 'PATCH'])(
    'sends a %s without a body with no Content-Type, not the form one axios gives it',
    async (method) => {
      received = [];
      await http.request<string>({ url: '/things', method, headerFields: ['x-request-id', 'r3'] });
      expect(received[0].headers['content-type']).toBeUndefined();
      expect(received[0].body).toBe('');
    },
  );

  it('gives up after the timeout with the code axios uses for it', async () => {
    await expect(http.get('/slow', { timeout: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('reports a call aborted by its caller as cancelled, not as a failure of the upstream', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error: unknown = await http.get('/slow', { signal: controller.signal }).catch((e: unknown) => e);
    expect(isCancel(error)).toBe(true);
  });

  it('stops a call when the gateway’s own cancellation is cancelled, as it does for an AbortSignal', async () => {
    const cancellation = new Cancellation();
    setTimeout(() => cancellation.abort(), 20);
    const error: unknown = await http.get('/slow', { signal: cancellation }).catch((e: unknown) => e);
    expect(isCancel(error)).toBe(true);
  });

  it('gives up at once on a call still queued for a connection when its caller leaves', async () => {
    // One connection, busy with a slow call: the second waits in undici's queue and never gets a socket.
    const single = new Agent({ connections: 1 });
    const queued = clientOf(leanAxios(single, 4096));
    queued.defaults.baseURL = http.defaults.baseURL;
    try {
      const settled: string[] = [];
      const slow = queued.get('/slow').then(() => settled.push('slow call'));
      const cancellation = new Cancellation();
      const waiting = queued.get('/things', { signal: cancellation }).catch((e: unknown) => {
        settled.push('queued call');
        return e;
      });
      setTimeout(() => cancellation.abort(), 20);
      expect(isCancel(await waiting)).toBe(true);
      await slow;
      // It did not wait for the slow call to free the connection.
      expect(settled).toEqual(['queued call', 'slow call']);
    } finally {
      await single.close();
    }
  });

  it('refuses a body larger than maxContentLength, declared or streamed', async () => {
    await expect(http.get('/large')).rejects.toMatchObject({
      code: 'ERR_BAD_RESPONSE',
      message: expect.stringMatching(/maxContentLength/),
    });
    await expect(http.get('/chunked-large')).rejects.toMatchObject({ code: 'ERR_BAD_RESPONSE' });
  });

  it("lets one call raise the client's body limit", async () => {
    const large = await http.get<string>('/large', { maxContentLength: 10_000 });
    expect(JSON.parse(large.data)).toEqual({ blob: 'x'.repeat(5000) });
  });

  it('reports a refused connection with its system error code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(http.get(`http://127.0.0.1:${port}/x`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

/** An upstream in a process of its own, so it answers while this one's event loop is blocked. */
const UPSTREAM = `
const server = require('node:http').createServer((request, response) => response.end('{"ok":true}'));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/** Keeps the event loop from reading anything for `ms`, as a gateway under a few hundred connections does. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy on purpose: nothing else may run.
  }
}

describe('undiciAdapter with its event loop busy past a call’s timeout', () => {
  let upstream: ChildProcess;
  let http: Axios;
  const pools = new Agent({ connections: 1 });

  beforeAll(async () => {
    upstream = spawn(process.execPath, ['-e', UPSTREAM], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve) =>
      upstream.stdout?.once('data', (data: Buffer) => resolve(Number(data.toString().trim()))),
    );
    http = clientOf(leanAxios(pools, 4096));
    http.defaults.baseURL = `http://127.0.0.1:${port}`;
    // The connection is made and kept alive: the call below is written to its socket at once.
    await http.get('/');
  });

  afterAll(async () => {
    await pools.close();
    upstream.kill();
  });

  it('answers a call whose answer came in while the loop was busy, rather than timing it out', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const call = http.get<string>('/', { timeout: 100 });
      // Blocked from the turn's last phase, after the request has left and while the upstream answers: the next
      // turn starts with the call's timer due, before its poll reads the answer.
      setImmediate(() => blockEventLoop(250));
      expect((await call).data).toBe('{"ok":true}');
    }
  });
});
