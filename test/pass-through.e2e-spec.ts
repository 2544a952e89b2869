import { hashApiKey } from '@app/config';
import { demoUser } from '../apps/demo-services/src/demo-data.js';
import { FakeUpstream } from './support/fake-upstream.js';
import { expectProblem } from './support/problem.js';
import { rawExchange } from './support/raw-http.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

const PARTNER_KEY = 'pass-through-partner-key-0123456789';

describe('pass-through routes', () => {
  let users: FakeUpstream;
  let stack: Stack;

  beforeAll(async () => {
    users = await FakeUpstream.start();
    stack = await startStack({
      USER_SERVICE_URL: users.url,
      API_KEYS: JSON.stringify([
        { name: 'partner', keyHash: hashApiKey(PARTNER_KEY), roles: [], tier: 'partner' },
      ]),
      PASS_THROUGH_ROUTES: JSON.stringify([
        { app: 'web', prefix: '/web/api/users/', service: 'user', upstreamPrefix: '/users/' },
      ]),
    });
  });
  afterAll(async () => {
    await stack.close();
    await users.close();
  });
  beforeEach(() => {
    users.received.length = 0;
    users.respond((request) =>
      request.url?.startsWith('/users/u1') === true
        ? { kind: 'json', body: demoUser('u1') }
        : { kind: 'json', status: 404, body: { error: 'no such user at users-db-7.internal' } },
    );
  });

  const relay = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${stack.webUrl}/web/api/users/${path}`, {
      ...init,
      headers: { ...bearer('u1'), ...(init.headers as object) },
    });

  it('is listed in the OpenAPI document with the methods it relays, its path and its problems', async () => {
    const document = (await (await fetch(`${stack.webUrl}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { operationId: string; security: unknown[]; responses: object }>>;
      components: { securitySchemes: Record<string, unknown> };
    };

    const relayed = document.paths['/web/api/users/{path}'];
    expect(Object.keys(relayed).sort()).toEqual(['get', 'head']);
    expect(relayed.get.operationId).toBe('passThrough_web_api_users_get');
    expect(Object.keys(relayed.get.responses)).toEqual(
      expect.arrayContaining(['200', '203', '401', '404', '410', '412', '413', '429', '502']),
    );
    for (const requirement of relayed.get.security) {
      expect(Object.keys(document.components.securitySchemes)).toEqual(
        expect.arrayContaining(Object.keys(requirement as object)),
      );
    }
    // The mobile app relays nothing: its document lists no such path.
    const mobile = (await (await fetch(`${stack.mobileUrl}/docs/json`)).json()) as { paths: object };
    expect(Object.keys(mobile.paths).some((path) => path.includes('{path}'))).toBe(false);
  });

  it('relays a GET to the upstream with the prefix replaced, and its answer back', async () => {
    const response = await relay('u1?fields=name');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(demoUser('u1'));
    expect(users.received.map((request) => request.url)).toEqual(['/users/u1?fields=name']);
  });

  it('relays a request whose target is an absolute URL, as a forward proxy sends it, to the same upstream path', async () => {
    const { host } = new URL(stack.webUrl);
    const { answer } = await rawExchange(
      stack.webUrl,
      [
        `GET http://${host}/web/api/users/u1?fields=name HTTP/1.1`,
        `Host: ${host}`,
        `Authorization: ${bearer('u1').authorization}`,
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    );

    expect(answer?.status).toBe(200);
    expect(users.received.map((request) => request.url)).toEqual(['/users/u1?fields=name']);
  });

  it('relays a repeated query field repeated, not folded into one value', async () => {
    expect((await relay('u1?tag=a&tag=b%2Cc')).status).toBe(200);
    expect(users.received.map((request) => request.url)).toEqual(['/users/u1?tag=a&tag=b%2Cc']);
  });

  it('sends no empty X-Forwarded-Host for an HTTP/1.0 request that named no host', async () => {
    const { answer } = await rawExchange(
      stack.webUrl,
      ['GET /web/api/users/u1 HTTP/1.0', `Authorization: ${bearer('u1').authorization}`, '', ''].join('\r\n'),
    );

    expect(answer?.status).toBe(200);
    expect(users.received[0].headers).not.toHaveProperty('x-forwarded-host');
  });

  it("sends the gateway's headers and X-Forwarded-*, never the client's credentials or hop-by-hop headers", async () => {
    await relay('u1', {
      headers: {
        'x-request-id': 'relay-1',
        'proxy-authorization': 'Basic c2VjcmV0',
        te: 'trailers',
        'x-user-id': 'u2',
        'x-consumer-name': 'partner',
      },
    });
    const sent = users.received[0].headers;
    expect(sent['x-request-id']).toBe('relay-1');
    expect(sent['x-forwarded-for']).toBe('127.0.0.1');
    expect(sent['x-forwarded-proto']).toBe('http');
    // Bodies are read as they come: an upstream is not left free to gzip them.
    expect(sent['accept-encoding']).toBe('identity');
    expect(sent['x-forwarded-host']).toMatch(/^127\.0\.0\.1:\d+$/);
    // The verified caller, so an upstream can check whose data is asked for; never what the client claimed.
    expect(sent['x-user-id']).toBe('u1');
    expect(sent['x-consumer-name']).toBeUndefined();
    expect(sent.authorization).toBeUndefined();
    expect(sent['proxy-authorization']).toBeUndefined();
    expect(sent.te).toBeUndefined();
  });

  it('names an API-key consumer to the upstream by its configured name', async () => {
    const response = await fetch(`${stack.webUrl}/web/api/users/u1`, {
      headers: { 'x-api-key': PARTNER_KEY },
    });

    expect(response.status).toBe(200);
    expect(users.received[0].headers['x-consumer-name']).toBe('partner');
    expect(users.received[0].headers['x-user-id']).toBeUndefined();
  });

  it('refuses a method the route is not configured for with a 405 problem naming the allowed ones', async () => {
    const response = await relay('u1', { method: 'DELETE' });
    await expectProblem(response, 405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(users.received).toHaveLength(0);
  });

  it('answers HEAD where it relays GET, with the headers and no body', async () => {
    const response = await relay('u1', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.text()).toBe('');
    expect(users.received.map((request) => request.method)).toEqual(['GET']);
  });

  it('needs a signed-in caller like every other route', async () => {
    await expectProblem(await fetch(`${stack.webUrl}/web/api/users/u1`), 401);
  });

  it('never lets a path climb out of the upstream prefix', async () => {
    await expectProblem(await relay('..%2F..%2Fadmin'), 404);
    await expectProblem(await relay('%2E%2E/secrets'), 404);
    expect(users.received).toHaveLength(0);
  });

  it("answers an upstream 404 with our own problem, without the upstream's text", async () => {
    const body = await expectProblem(await relay('nobody'), 404);
    expect(JSON.stringify(body)).not.toContain('users-db-7');
  });

  it("passes an upstream's 429 on to its one caller, with its Retry-After, and pauses nobody else's calls", async () => {
    users.respond((request) =>
      request.url?.startsWith('/users/noisy') === true
        ? { kind: 'json', status: 429, body: {}, headers: { 'retry-after': '3600' } }
        : { kind: 'json', body: demoUser('u1') },
    );

    const refused = await relay('noisy');
    await expectProblem(refused, 429);
    // As the service said: the gateway's own cap (EJECTION_MAX_MS) bounds its pauses, and this one pauses nothing.
    expect(refused.headers.get('retry-after')).toBe('3600');

    expect((await relay('u1')).status).toBe(200);
    expect(users.received.map((request) => request.url)).toEqual(['/users/noisy', '/users/u1']);
  });

  it('answers an upstream failure with a 502 problem', async () => {
    users.respond(() => ({ kind: 'json', status: 500, body: { error: 'boom' } }));
    await expectProblem(await relay('u1'), 502);
  });

  it('is not there on the app it is not configured for', async () => {
    await expectProblem(await fetch(`${stack.mobileUrl}/web/api/users/u1`, { headers: bearer('u1') }), 404);
  });
});

describe('pass-through routes that write, behind the cache', () => {
  let users: FakeUpstream;
  let stack: Stack;

  beforeAll(async () => {
    users = await FakeUpstream.start();
    stack = await startStack({
      CACHE_ENABLED: 'true',
      USER_SERVICE_URL: users.url,
      PASS_THROUGH_ROUTES: JSON.stringify([
        {
          app: 'web',
          prefix: '/web/api/accounts/',
          service: 'user',
          upstreamPrefix: '/users/',
          methods: ['GET', 'PATCH'],
        },
      ]),
    });
  });
  afterAll(async () => {
    await stack.close();
    await users.close();
  });
  beforeEach(() => {
    users.received.length = 0;
    users.respond(() => ({ kind: 'json', body: demoUser('u1') }));
  });

  const relay = (sub: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${stack.webUrl}/web/api/accounts/${sub}`, {
      ...init,
      headers: { ...bearer(sub), 'content-type': 'application/json', ...(init.headers as object) },
    });

  it('keeps a relayed read with an empty query field apart from the one without it', async () => {
    users.respond((request) => ({ kind: 'json', body: { url: request.url } }));

    const read = async (query: string): Promise<unknown> =>
      (await fetch(`${stack.webUrl}/web/api/accounts/w8${query}`, { headers: bearer('w8') })).json();

    expect(await read('?archived=')).toEqual({ url: '/users/w8?archived=' });
    expect(await read('')).toEqual({ url: '/users/w8' });
    expect(users.received.map((request) => request.url)).toEqual(['/users/w8?archived=', '/users/w8']);
  });

  it("reads the upstream again after the caller's write, rather than serving what it cached before", async () => {
    expect((await relay('w1')).status).toBe(200);
    expect((await relay('w1')).status).toBe(200);
    expect(users.received.map((request) => request.method)).toEqual(['GET']);

    expect((await relay('w1', { method: 'PATCH', body: JSON.stringify({ name: 'New' }) })).status).toBe(200);
    expect((await relay('w1')).status).toBe(200);
    expect(users.received.map((request) => request.method)).toEqual(['GET', 'PATCH', 'GET']);
  });

  it.each([201, 202])(
    'answers a write the upstream answered %i with that status and its body',
    async (status) => {
      users.respond(() => ({ kind: 'json', status, body: { id: 'w3', name: 'New' } }));
      const response = await relay('w3', { method: 'PATCH', body: JSON.stringify({ name: 'New' }) });
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual({ id: 'w3', name: 'New' });
    },
  );

  it('reads the upstream again after a write whose answer was lost, since the write may have been made', async () => {
    expect((await relay('w5')).status).toBe(200);
    users.respond((request) =>
      request.method === 'PATCH'
        ? { kind: 'json', status: 500, body: {} }
        : { kind: 'json', body: demoUser('u1') },
    );
    const lost = await relay('w5', { method: 'PATCH', body: JSON.stringify({ name: 'New' }) });
    expect(lost.status).toBeGreaterThanOrEqual(500);
    expect((await relay('w5')).status).toBe(200);
    expect(users.received.map((request) => request.method)).toEqual(['GET', 'PATCH', 'GET']);
  });

  it('relays an upstream answer that is a JSON string as JSON, quotes and all', async () => {
    users.respond(() => ({ kind: 'json', body: 'plain' }));
    const response = await relay('w6');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.text()).toBe('"plain"');
  });

  it('answers 204 with no body when the upstream has nothing to say', async () => {
    users.respond(() => ({ kind: 'text', status: 204, body: '' }));
    const response = await relay('w4', { method: 'PATCH', body: JSON.stringify({ name: 'New' }) });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it.each([
    [400, 400],
    [401, 403],
    [403, 403],
    [409, 409],
    [410, 410],
    [412, 412],
    [413, 413],
    [422, 422],
  ])(
    "answers an upstream's refusal %i as the caller's own %i, not as the gateway failing",
    async (upstream, status) => {
      users.respond(() => ({
        kind: 'json',
        status: upstream,
        body: { error: 'refused by users-db-7.internal' },
      }));
      const response = await relay('w2', { method: 'PATCH', body: JSON.stringify({ name: 'x' }) });
      const body = await expectProblem(response, status);
      expect(JSON.stringify(body)).not.toContain('users-db-7');
    },
  );
});

describe('two pass-through entries sharing one prefix, each with its own methods and service', () => {
  let users: FakeUpstream;
  let preferences: FakeUpstream;
  let stack: Stack;

  beforeAll(async () => {
    users = await FakeUpstream.start();
    preferences = await FakeUpstream.start();
    users.respond(() => ({ kind: 'json', body: { from: 'users' } }));
    preferences.respond(() => ({ kind: 'json', body: { from: 'preferences' } }));
    stack = await startStack({
      USER_SERVICE_URL: users.url,
      PREFERENCE_SERVICE_URL: preferences.url,
      PASS_THROUGH_ROUTES: JSON.stringify([
        {
          app: 'web',
          prefix: '/web/api/things/',
          service: 'user',
          upstreamPrefix: '/users/',
          methods: ['GET'],
        },
        {
          app: 'web',
          prefix: '/web/api/things/',
          service: 'preference',
          upstreamPrefix: '/preferences/',
          methods: ['POST'],
        },
      ]),
    });
  });
  afterAll(async () => {
    await stack.close();
    await users.close();
    await preferences.close();
  });

  it('starts, and relays each method to the entry that names it', async () => {
    const read = await fetch(`${stack.webUrl}/web/api/things/t1`, { headers: bearer('u1') });
    expect(await read.json()).toEqual({ from: 'users' });
    const write = await fetch(`${stack.webUrl}/web/api/things/t1`, {
      method: 'POST',
      headers: { ...bearer('u1'), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await write.json()).toEqual({ from: 'preferences' });
    expect(users.received.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /users/t1']);
    expect(preferences.received.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST /preferences/t1',
    ]);

    const refused = await fetch(`${stack.webUrl}/web/api/things/t1`, {
      method: 'DELETE',
      headers: bearer('u1'),
    });
    await expectProblem(refused, 405);
    expect(refused.headers.get('allow')).toBe('GET, POST, HEAD');
  });
});
