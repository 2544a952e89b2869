import { expectRawProblem, rawExchange, rawGet } from './support/raw-http.js';
import { startStack, type Stack } from './support/stack.js';
import { mintToken } from './support/tokens.js';

/*
 * Requests no well-behaved client library would send, written byte by byte
 * on a TCP socket: each must be refused with a problem+json answer (or, for
 * bytes the gateway can read, served as usual), never crash or hang the
 * gateway, and never come back out in a header.
 */
describe('malformed HTTP on the wire', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    stack = await startStack();
    token = mintToken({ sub: 'u1' });
  });
  afterAll(() => stack.close());

  describe('CR and LF inside headers', () => {
    it('refuses a bare CR inside a header value with a 400 problem', async () => {
      const { answer, closed } = await rawExchange(
        stack.mobileUrl,
        rawGet('/mobile/profile', [
          `Authorization: Bearer ${token}`,
          'X-Request-Id: abc\rSet-Cookie: stolen=1',
        ]),
      );

      expectRawProblem(answer, 400);
      expect(answer?.headers['set-cookie']).toBeUndefined();
      expect(closed).toBe(true);
    });

    it('refuses a bare LF that would start a second header line with a 400 problem', async () => {
      const { answer } = await rawExchange(
        stack.mobileUrl,
        rawGet('/health/live', ['X-Request-Id: abc\nSet-Cookie: stolen=1']),
      );

      expect(answer?.headers['set-cookie']).toBeUndefined();
      expectRawProblem(answer, 400);
    });

    it('refuses a header name with a space in it with a 400 problem', async () => {
      const { answer } = await rawExchange(stack.mobileUrl, rawGet('/health/live', ['X Request Id: abc']));

      expectRawProblem(answer, 400);
    });

    it('refuses a request with both Content-Length and Transfer-Encoding (smuggling) with a 400 problem', async () => {
      const { answer } = await rawExchange(
        stack.mobileUrl,
        [
          'POST /admin/cache/invalidate HTTP/1.1',
          'Host: gateway.test',
          'Content-Length: 4',
          'Transfer-Encoding: chunked',
          '',
          '0',
          '',
          'GET /admin/services HTTP/1.1',
          'Host: gateway.test',
          '',
          '',
        ].join('\r\n'),
      );

      expectRawProblem(answer, 400);
    });
  });

  describe('bytes that are not UTF-8', () => {
    it('refuses them raw in the path with a 400 problem', async () => {
      const head = Buffer.concat([
        Buffer.from('GET /mobile/orders/'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from(
          ` HTTP/1.1\r\nHost: gateway.test\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
        ),
      ]);

      expectRawProblem((await rawExchange(stack.mobileUrl, head)).answer, 400);
    });

    it('refuses them percent-encoded in an order id with a 400 problem', async () => {
      const { answer } = await rawExchange(
        stack.webUrl,
        rawGet('/web/orders/%C3%28%FF', [`Authorization: Bearer ${token}`]),
      );

      expectRawProblem(answer, 400);
    });

    it('answers 401 to a Bearer token made of them', async () => {
      const head = Buffer.concat([
        Buffer.from('GET /mobile/profile HTTP/1.1\r\nHost: gateway.test\r\nAuthorization: Bearer '),
        Buffer.from([0xff, 0xfe, 0x2e, 0xc0, 0xaf, 0x2e, 0x80]),
        Buffer.from('\r\nConnection: close\r\n\r\n'),
      ]);

      expectRawProblem((await rawExchange(stack.mobileUrl, head)).answer, 401);
    });

    it('replaces an X-Request-Id made of them with an id of its own', async () => {
      const head = Buffer.concat([
        Buffer.from('GET /health/live HTTP/1.1\r\nHost: gateway.test\r\nX-Request-Id: id-'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('\r\nConnection: close\r\n\r\n'),
      ]);

      const { answer } = await rawExchange(stack.mobileUrl, head);

      expect(answer?.status).toBe(200);
      expect(answer?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('refuses a JSON body holding them with a 400 problem, and writes nothing', async () => {
      const body = Buffer.concat([Buffer.from('{"theme":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
      const head = Buffer.concat([
        Buffer.from(
          [
            'PATCH /web/preferences HTTP/1.1',
            'Host: gateway.test',
            `Authorization: Bearer ${token}`,
            'Content-Type: application/json',
            `Content-Length: ${body.length}`,
            'Connection: close',
            '',
            '',
          ].join('\r\n'),
        ),
        body,
      ]);
      const before = stack.demo.faults.preference.requestCount();

      const { answer } = await rawExchange(stack.webUrl, head);

      expectRawProblem(answer, 400);
      expect(stack.demo.faults.preference.requestCount()).toBe(before);
    });
  });

  describe('oversized and too many headers', () => {
    it('refuses one header past the 16 KiB limit with a 431 problem', async () => {
      const { answer, closed } = await rawExchange(
        stack.mobileUrl,
        rawGet('/mobile/profile', [`X-Padding: ${'a'.repeat(20 * 1024)}`]),
      );

      expectRawProblem(answer, 431);
      expect(closed).toBe(true);
      // Written on the socket, before any hook runs: the security headers all the same.
      expect(answer?.headers['strict-transport-security']).toBeDefined();
      expect(answer?.headers['content-security-policy']).toBeDefined();
      expect(answer?.headers['cache-control']).toBe('no-store');
    });

    it('refuses a request target past the 16 KiB limit with a 414 problem, not a header complaint', async () => {
      const { answer, closed } = await rawExchange(
        stack.mobileUrl,
        rawGet(`/mobile/orders?cursor=${'a'.repeat(20 * 1024)}`, []),
      );

      expect(expectRawProblem(answer, 414)).toMatchObject({ type: expect.stringMatching(/uri-too-long$/) });
      expect(closed).toBe(true);
    });

    it('refuses thousands of small headers past the limit with a 431 problem', async () => {
      const lines = Array.from({ length: 5_000 }, (_, index) => `X-H${index}: v`);

      expectRawProblem((await rawExchange(stack.mobileUrl, rawGet('/health/live', lines))).answer, 431);
    });

    it('answers a refused second request on a keep-alive connection with a 431 problem too', async () => {
      const first = 'GET /health/live HTTP/1.1\r\nHost: gateway.test\r\n\r\n';
      const second = rawGet('/health/live', [`X-Padding: ${'a'.repeat(20 * 1024)}`]);

      // The second request leaves once the first has had time to be answered, as a keep-alive client sends it.
      const { answers } = await rawExchange(stack.mobileUrl, first, {
        drip: { chunks: [second], everyMs: 200 },
      });

      expect(answers.map((answer) => answer.status)).toEqual([200, 431]);
      expectRawProblem(answers[1], 431);
    });

    it('answers a pipelined request in full before closing on the refused one behind it, never with its problem', async () => {
      const first = 'GET /health/live HTTP/1.1\r\nHost: gateway.test\r\n\r\n';
      const second = rawGet('/health/live', [`X-Padding: ${'a'.repeat(20 * 1024)}`]);

      const { answers, closed } = await rawExchange(stack.mobileUrl, first + second);

      expect(answers.map((answer) => answer.status)).toEqual([200]);
      expect(closed).toBe(true);
    });

    it('answers a write still on its way upstream before closing on a malformed request pipelined behind it', async () => {
      const first = [
        'GET /mobile/profile HTTP/1.1',
        'Host: gateway.test',
        `Authorization: Bearer ${token}`,
        '',
        '',
      ].join('\r\n');
      const second = 'GET /x HTTP/1.1\r\nHost: gateway.test\r\nBad Header: y\r\n\r\n';

      const { answers, closed } = await rawExchange(stack.mobileUrl, first + second);

      expect(answers.map((answer) => answer.status)).toEqual([200]);
      expect(closed).toBe(true);
    });

    it('still serves a request whose many headers fit within the limit', async () => {
      const lines = Array.from({ length: 1_500 }, (_, index) => `X-H${index}: v`);

      const { answer } = await rawExchange(stack.mobileUrl, rawGet('/health/live', lines));

      expect(answer?.status).toBe(200);
    });

    it('refuses a chunked body whose chunk extensions never end with a problem', async () => {
      const { answer } = await rawExchange(
        stack.webUrl,
        [
          'PATCH /web/preferences HTTP/1.1',
          'Host: gateway.test',
          `Authorization: Bearer ${token}`,
          'Content-Type: application/json',
          'Transfer-Encoding: chunked',
          '',
          `2;${'x'.repeat(40 * 1024)}`,
          '{}',
          '0',
          '',
          '',
        ].join('\r\n'),
      );

      expect([400, 413]).toContain(answer?.status);
      expectRawProblem(answer, answer?.status ?? 0);
    });
  });

  describe('Host and method lines a gateway must not guess about', () => {
    it('refuses an HTTP/1.1 request without Host with a 400 problem', async () => {
      const { answer } = await rawExchange(
        stack.mobileUrl,
        ['GET /health/live HTTP/1.1', 'X-Request-Id: no-host-1', 'Connection: close', '', ''].join('\r\n'),
      );

      const problem = expectRawProblem(answer, 400);
      expect(problem.requestId).toBe('no-host-1');
      expect(answer?.headers['x-content-type-options']).toBe('nosniff');
      expect(answer?.headers['content-security-policy']).toBeDefined();
    });

    it('refuses a request with two Host headers with a 400 problem, rather than picking one', async () => {
      const { answer } = await rawExchange(
        stack.mobileUrl,
        rawGet('/mobile/profile', ['Host: other.test', `Authorization: Bearer ${token}`]),
      );

      const problem = expectRawProblem(answer, 400);
      expect(problem.detail).toBe('The request carries more than one Host header.');
    });

    it('sees a second Authorization header behind a thousand other header lines, and refuses it all the same', async () => {
      const filler = Array.from({ length: 1_200 }, (_, n) => `X-F${n}: 1`);
      const { answer } = await rawExchange(
        stack.mobileUrl,
        rawGet('/mobile/profile', [
          `Authorization: Bearer ${token}`,
          ...filler,
          `Authorization: Bearer ${mintToken({ sub: 'u2' })}`,
        ]),
      );

      const problem = expectRawProblem(answer, 400);
      expect(problem.detail).toBe('The request carries more than one Authorization header.');
    });

    it('refuses two X-Api-Version headers with a 400 problem, not a 404 for a version it has', async () => {
      const { answer } = await rawExchange(
        stack.mobileUrl,
        rawGet('/mobile/profile', [`Authorization: Bearer ${token}`, 'X-Api-Version: 2', 'X-Api-Version: 2']),
      );

      expect(expectRawProblem(answer, 400).detail).toBe(
        'The request carries more than one X-Api-Version header.',
      );
    });

    it("refuses two Authorization headers with a 400 problem, rather than serving the first one's user", async () => {
      const { answer } = await rawExchange(
        stack.mobileUrl,
        rawGet('/mobile/profile', [
          `Authorization: Bearer ${token}`,
          `Authorization: Bearer ${mintToken({ sub: 'u2' })}`,
        ]),
      );

      const problem = expectRawProblem(answer, 400);
      expect(problem.detail).toBe('The request carries more than one Authorization header.');
      expect(answer?.headers['x-content-type-options']).toBe('nosniff');
      expect(answer?.headers['strict-transport-security']).toBeDefined();
    });

    it("serves a request whose target is an absolute URL, and names only the path in its problem, never the client's host", async () => {
      const served = await rawExchange(
        stack.mobileUrl,
        rawGet('http://gateway.test/mobile/profile', [`Authorization: Bearer ${token}`]),
      );
      const refused = await rawExchange(
        stack.mobileUrl,
        rawGet('HTTP://Evil.Example:8080/mobile/profile?x=1'),
      );

      expect(served.answer?.status).toBe(200);
      const problem = expectRawProblem(refused.answer, 401);
      expect(problem.instance).toBe('/mobile/profile');
    });

    it('answers a request line naming HTTP/2.0 with a 400 problem, as it does HTTP/3.0, not as if it were HTTP/1.1', async () => {
      for (const version of ['2.0', '3.0']) {
        const { answer } = await rawExchange(
          stack.mobileUrl,
          `GET /health/live HTTP/${version}\r\nHost: gateway.test\r\nConnection: close\r\n\r\n`,
        );

        expect(expectRawProblem(answer, 400).detail).toBe('The request is not valid HTTP/1.1.');
      }
    });

    it('answers CONNECT with a 400 problem instead of dropping the connection', async () => {
      const { answer, closed } = await rawExchange(
        stack.webUrl,
        [
          'CONNECT upstream.test:443 HTTP/1.1',
          'Host: upstream.test:443',
          'X-Request-Id: tunnel-request-1',
          '',
          '',
        ].join('\r\n'),
      );

      const problem = expectRawProblem(answer, 400);
      expect(problem.detail).toBe('This gateway does not open tunnels (CONNECT).');
      // Read whole, the request keeps the id its client gave it.
      expect(answer?.headers['x-request-id']).toBe('tunnel-request-1');
      expect(problem.requestId).toBe('tunnel-request-1');
      expect(closed).toBe(true);
    });
  });

  describe('Transfer-Encoding', () => {
    const chunkedPatch = (coding: string): string => {
      const body = JSON.stringify({ theme: 'dark' });
      return [
        'PATCH /web/preferences HTTP/1.1',
        'Host: gateway.test',
        `Authorization: Bearer ${token}`,
        'Content-Type: application/json',
        `Transfer-Encoding: ${coding}`,
        'Connection: close',
        '',
        `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      ].join('\r\n');
    };

    it('refuses a body coded with anything but chunked with a 501 problem, rather than reading it as plain JSON', async () => {
      const { answer, closed } = await rawExchange(stack.webUrl, chunkedPatch('gzip, chunked'));

      const problem = expectRawProblem(answer, 501);
      expect(problem.detail).toBe('This gateway takes request bodies in no transfer coding but chunked.');
      expect(answer?.headers.connection).toBe('close');
      expect(closed).toBe(true);
    });

    it('still takes a chunked body, whatever the case of the coding', async () => {
      const { answer } = await rawExchange(stack.webUrl, chunkedPatch('Chunked'));

      expect(answer?.status).toBe(200);
    });
  });

  describe('Expect', () => {
    it('answers an expectation it cannot meet with a 417 problem carrying the request id and security headers', async () => {
      const { answer, closed } = await rawExchange(
        stack.webUrl,
        rawGet('/web/dashboard', [
          `Authorization: Bearer ${token}`,
          'Expect: 200-ok',
          'X-Request-Id: expect-1',
        ]),
      );

      const problem = expectRawProblem(answer, 417);
      expect(problem.requestId).toBe('expect-1');
      expect(problem.instance).toBe('/web/dashboard');
      expect(answer?.headers['x-content-type-options']).toBe('nosniff');
      expect(answer?.headers['strict-transport-security']).toBeDefined();
      expect(answer?.headers['cache-control']).toBe('no-store');
      expect(closed).toBe(true);
    });
  });

  describe('Expect: 100-continue', () => {
    const patchHead = (contentLength: number): string =>
      [
        'PATCH /web/preferences HTTP/1.1',
        'Host: gateway.test',
        `Authorization: Bearer ${token}`,
        'Content-Type: application/json',
        `Content-Length: ${contentLength}`,
        'Expect: 100-continue',
        'Connection: close',
        '',
        '',
      ].join('\r\n');

    it('refuses a body over the limit with a 413 problem before inviting the client to send it', async () => {
      const { answers, closed } = await rawExchange(stack.webUrl, patchHead(10_000_000));

      expect(answers.map((answer) => answer.status)).toEqual([413]);
      expectRawProblem(answers[0], 413);
      expect(answers[0].headers.connection).toBe('close');
      expect(closed).toBe(true);
    });

    it('invites a body within the limit with 100 Continue and serves it', async () => {
      const body = JSON.stringify({ theme: 'dark' });
      const { answers } = await rawExchange(stack.webUrl, patchHead(Buffer.byteLength(body)), {
        drip: { chunks: [body], everyMs: 50 },
      });

      expect(answers.map((answer) => answer.status)).toEqual([100, 200]);
    });
  });

  describe('paths the router refuses', () => {
    it('answers a malformed percent escape with a 400 problem carrying the request id', async () => {
      const { answer } = await rawExchange(
        stack.mobileUrl,
        rawGet('/mobile/orders/%E0%A4%A', [`Authorization: Bearer ${token}`, 'X-Request-Id: bad-escape-1']),
      );

      const problem = expectRawProblem(answer, 400);
      expect(problem.requestId).toBe('bad-escape-1');
    });

    it('answers a path parameter past 256 characters with a 414 problem', async () => {
      const { answer } = await rawExchange(
        stack.webUrl,
        rawGet(`/web/orders/${'o'.repeat(300)}`, [`Authorization: Bearer ${token}`]),
      );

      expectRawProblem(answer, 414);
    });
  });
});

/*
 * Slow clients, against short timeouts so the suite stays quick: the
 * production defaults (10 s for headers, 30 s for the whole request, 72 s
 * idle) differ only in size. Each test trickles bytes far longer than the
 * timeout, so only the server can end the exchange early.
 */
describe('slow clients', () => {
  const HEADERS_TIMEOUT_MS = 400;
  const REQUEST_TIMEOUT_MS = 800;
  const KEEP_ALIVE_TIMEOUT_MS = 300;
  /** Node checks timeouts on a timer (a quarter of the headers timeout here), plus scheduling on a busy machine. */
  const CHECK_SLACK_MS = HEADERS_TIMEOUT_MS / 4 + 400;
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
    });
  });
  afterAll(() => stack.close());

  it('cuts off a client that trickles its headers once the headers timeout passes, with a 408 problem', async () => {
    const exchange = await rawExchange(
      stack.mobileUrl,
      'GET /health/live HTTP/1.1\r\nHost: gateway.test\r\n',
      {
        drip: { chunks: Array.from({ length: 100 }, (_, index) => `X-Slow-${index}: 1\r\n`), everyMs: 50 },
      },
    );

    expectRawProblem(exchange.answer, 408);
    expect(exchange.closed).toBe(true);
    expect(exchange.elapsedMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 20);
    expect(exchange.elapsedMs).toBeLessThan(HEADERS_TIMEOUT_MS + CHECK_SLACK_MS);
  });

  it('cuts off a client that trickles its body once the request timeout passes, and writes nothing', async () => {
    const token = mintToken({ sub: 'u1' });
    const before = stack.demo.faults.preference.requestCount();
    const body = JSON.stringify({ theme: 'dark', language: 'en'.padEnd(60, ' ') });
    const exchange = await rawExchange(
      stack.webUrl,
      [
        'PATCH /web/preferences HTTP/1.1',
        'Host: gateway.test',
        `Authorization: Bearer ${token}`,
        'Content-Type: application/json',
        `Content-Length: ${body.length}`,
        '',
        '',
      ].join('\r\n'),
      { drip: { chunks: body.split(''), everyMs: 50 } },
    );

    expectRawProblem(exchange.answer, 408);
    expect(exchange.bytesSent).toBeLessThan(1_000);
    expect(exchange.elapsedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 20);
    expect(exchange.elapsedMs).toBeLessThan(REQUEST_TIMEOUT_MS + CHECK_SLACK_MS);
    expect(stack.demo.faults.preference.requestCount()).toBe(before);
  });

  it('closes an idle keep-alive connection once the keep-alive timeout passes', async () => {
    const exchange = await rawExchange(
      stack.mobileUrl,
      'GET /health/live HTTP/1.1\r\nHost: gateway.test\r\nConnection: keep-alive\r\n\r\n',
    );

    expect(exchange.answer?.status).toBe(200);
    expect(exchange.closed).toBe(true);
    expect(exchange.elapsedMs).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 20);
    // Node holds the socket a further second past the timeout it announces, for a client reusing it just in time.
    expect(exchange.elapsedMs).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 1_000 + CHECK_SLACK_MS);
  });

  it('keeps serving other clients while slow ones are being cut off', async () => {
    const slow = Array.from({ length: 20 }, () =>
      rawExchange(stack.mobileUrl, 'GET /health/live HTTP/1.1\r\nHost: gateway.test\r\n', {
        drip: { chunks: Array.from({ length: 100 }, () => 'X-Slow: 1\r\n'), everyMs: 50 },
      }),
    );

    const served = await fetch(`${stack.mobileUrl}/health/live`);

    expect(served.status).toBe(200);
    for (const exchange of await Promise.all(slow)) {
      expectRawProblem(exchange.answer, 408);
    }
  });
});
