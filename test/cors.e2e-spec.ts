import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

/*
 * The CORS answers as a browser receives them, read over plain HTTP: Node's
 * fetch sends `Origin` and the preflight headers as given and enforces
 * nothing, so every header the BFF sets is visible here. What a browser then
 * does with them is the subject of browser-cors.e2e-spec.ts.
 */

const APP_ORIGIN = 'https://app.example.test';
const OTHER_ORIGIN = 'https://elsewhere.example.test';

/** The comma-separated tokens of a header, lower-cased; empty when the header is missing. */
function tokensOf(response: Response, name: string): string[] {
  return (response.headers.get(name) ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token.length > 0);
}

const preflight = (url: string, origin: string): Promise<Response> =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    },
  });

describe('CORS for the origins in CORS_ORIGINS', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      CORS_ORIGINS: `${APP_ORIGIN}, https://admin.example.test`,
      // Three units per caller and minute (a dashboard costs all three), so each test signs in as a caller of its own;
      // a preflight that counted would be refused by the fourth.
      THROTTLE_ENABLED: 'true',
      THROTTLE_BURST_LIMIT: '3',
      THROTTLE_BURST_WINDOW_MS: '60000',
    });
  });
  afterAll(() => stack.close());

  it('answers a preflight 204 with what the page may send, without a token', async () => {
    const response = await preflight(`${stack.webUrl}/web/preferences`, APP_ORIGIN);

    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(tokensOf(response, 'access-control-allow-methods')).toEqual(
      expect.arrayContaining(['get', 'patch', 'post', 'options']),
    );
    expect(tokensOf(response, 'access-control-allow-headers')).toEqual(
      expect.arrayContaining([
        'authorization',
        'content-type',
        'idempotency-key',
        'x-request-id',
        'if-none-match',
        // A page may ask to skip the cache, as the README says a client can.
        'cache-control',
      ]),
    );
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(tokensOf(response, 'vary')).toContain('origin');
    // Every answer carries a request id, preflights included.
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  it('answers a preflight with the security headers every other answer carries', async () => {
    const response = await preflight(`${stack.webUrl}/web/preferences`, APP_ORIGIN);

    expect(response.status).toBe(204);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).not.toBeNull();
    expect(response.headers.get('content-security-policy')).not.toBeNull();
  });

  it("lets a page that sends trace context or Pragma make its calls, as OpenTelemetry's fetch instrumentation does", async () => {
    const response = await fetch(`${stack.mobileUrl}/mobile/profile`, {
      method: 'OPTIONS',
      headers: {
        origin: APP_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,traceparent,tracestate,pragma',
      },
    });

    expect(response.status).toBe(204);
    expect(tokensOf(response, 'access-control-allow-headers')).toEqual(
      expect.arrayContaining(['authorization', 'traceparent', 'tracestate', 'pragma']),
    );
  });

  it('lets a page send a conditional PATCH (If-Match) and read the Allow of a 405', async () => {
    const response = await fetch(`${stack.webUrl}/web/preferences`, {
      method: 'OPTIONS',
      headers: {
        origin: APP_ORIGIN,
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization,content-type,if-match',
      },
    });

    expect(response.status).toBe(204);
    expect(tokensOf(response, 'access-control-allow-headers')).toEqual(expect.arrayContaining(['if-match']));
    const refused = await fetch(`${stack.webUrl}/web/preferences`, {
      method: 'DELETE',
      headers: { origin: APP_ORIGIN, ...bearer('cors-allow') },
    });
    expect(refused.status).toBe(405);
    expect(tokensOf(refused, 'access-control-expose-headers')).toEqual(expect.arrayContaining(['allow']));
  });

  it('lets the page read a problem the router answered for a URL it cannot decode, and its request id', async () => {
    const response = await fetch(`${stack.webUrl}/web/orders/%E0%A4%A`, { headers: { origin: APP_ORIGIN } });

    expect(response.status).toBe(400);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(tokensOf(response, 'access-control-expose-headers')).toContain('x-request-id');
    expect(tokensOf(response, 'vary')).toContain('origin');
  });

  it('answers every preflight, however many, because preflights are not counted against the rate limit', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => preflight(`${stack.webUrl}/web/dashboard`, APP_ORIGIN)),
    );

    expect(answers.map((response) => response.status)).toEqual(Array.from({ length: 10 }, () => 204));
    expect(answers.every((response) => response.headers.get('ratelimit-limit') === null)).toBe(true);
  });

  it('names the origin, exposes the headers a page reads and varies by Origin on a signed-in answer', async () => {
    const response = await fetch(`${stack.webUrl}/web/dashboard`, {
      headers: { ...bearer('cors-exposed'), origin: APP_ORIGIN },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(tokensOf(response, 'access-control-expose-headers')).toEqual(
      expect.arrayContaining([
        'x-request-id',
        'x-response-complete',
        'etag',
        'retry-after',
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-reset',
        'ratelimit-policy',
        'x-cache',
        'www-authenticate',
        'age',
      ]),
    );
    // The response cache sets `Vary: Authorization`; Origin must survive it, or a cache could hand one origin's answer to another.
    expect(tokensOf(response, 'vary')).toEqual(expect.arrayContaining(['authorization', 'origin']));
  });

  it('lets the page read a 429 and its Retry-After, not only the answers that succeed', async () => {
    const headers = { ...bearer('cors-throttled'), origin: APP_ORIGIN };
    for (let i = 0; i < 3; i += 1) {
      expect((await fetch(`${stack.webUrl}/web/preferences`, { headers })).status).toBe(200);
    }

    const refused = await fetch(`${stack.webUrl}/web/preferences`, { headers });

    expect(refused.status).toBe(429);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(tokensOf(refused, 'access-control-expose-headers')).toContain('retry-after');
  });

  it('lets the page read a 401 problem, so a signed-out page learns why', async () => {
    const response = await fetch(`${stack.webUrl}/web/dashboard`, { headers: { origin: APP_ORIGIN } });

    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(tokensOf(response, 'vary')).toContain('origin');
  });

  it('answers an OPTIONS that is no preflight with an empty 204, not a text/plain error', async () => {
    const response = await fetch(`${stack.webUrl}/web/dashboard`, { method: 'OPTIONS' });

    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves the mobile BFF with the same policy', async () => {
    const response = await preflight(`${stack.mobileUrl}/mobile/profile`, APP_ORIGIN);

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
  });

  it('names no origin for a page elsewhere, so its browser withholds the answer', async () => {
    const refusedPreflight = await preflight(`${stack.webUrl}/web/preferences`, OTHER_ORIGIN);
    const answer = await fetch(`${stack.webUrl}/web/dashboard`, {
      headers: { ...bearer('cors-elsewhere'), origin: OTHER_ORIGIN },
    });

    expect(refusedPreflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(tokensOf(answer, 'vary')).toContain('origin');
  });
});

describe('CORS with * in CORS_ORIGINS', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ CORS_ORIGINS: '*' });
  });
  afterAll(() => stack.close());

  it('allows any origin, without credentials', async () => {
    const response = await preflight(`${stack.webUrl}/web/preferences`, OTHER_ORIGIN);
    const answer = await fetch(`${stack.webUrl}/web/dashboard`, {
      headers: { ...bearer('u9'), origin: OTHER_ORIGIN },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('CORS without CORS_ORIGINS', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('allows no other origin: no Access-Control headers at all', async () => {
    const answer = await fetch(`${stack.webUrl}/web/dashboard`, {
      headers: { ...bearer('u9'), origin: APP_ORIGIN },
    });

    expect(answer.status).toBe(200);
    expect([...answer.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });
});
