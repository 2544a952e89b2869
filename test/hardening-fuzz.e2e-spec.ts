import { hashApiKey } from '@app/config';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { contractBreaches, type Answer } from './support/answer-invariants.js';
import { handSignedToken, validClaims } from './support/forged-tokens.js';
import { startStack, type Stack } from './support/stack.js';
import { mintToken, TEST_JWT_SECRET } from './support/tokens.js';

/*
 * Property-based fuzzing of every public route of both BFFs, over real HTTP
 * against the real apps and demo services. Each route gets generated
 * requests (method, path parameters, query, headers, body, credentials) and
 * every answer must keep the contract: never a 5xx of the gateway's own
 * making, every error a problem+json document, every answer within a bound,
 * the process still serving afterwards, and the heap no larger once the run
 * is over than a bounded margin.
 *
 * The seed is printed; FUZZ_SEED=<n> replays a run, FUZZ_RUNS=<n> changes
 * the cases per route (200 by default: about 7,000 requests in all).
 */

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
/** Longest any answer may take: the aggregate deadline (1.5 s) plus room for a machine shared with other suites. */
const ANSWER_BOUND_MS = 3_000;
/** How much the heap may grow over the whole run once garbage is collected: bounded caches fill, nothing else may. */
const HEAP_GROWTH_BOUND_BYTES = 32 * 1024 * 1024;

const ADMIN_KEY = 'fuzz-admin-key-0123456789abcdef';
const PARTNER_KEY = 'fuzz-partner-key-0123456789abcdef';

type App = 'mobile' | 'web';

interface RouteSpec {
  /** The route as the access log and metrics name it. */
  name: string;
  app: App;
  method: string;
  /** The path with its `:id` parameter, if any, left to the generator. */
  path: (id: string) => string;
  /** Query parameters this route knows, so generated queries hit its validation as well as miss it. */
  queryNames: string[];
  body: fc.Arbitrary<unknown> | undefined;
}

/** Characters a client can put in a path segment, the dangerous ones first among them. */
const PATH_SEGMENTS = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('u1', 'o-u1-1', 'o-u8-100', 'missing-1', 'u5') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '%2E',
      '..%2F..%2Fusers%2Fu2',
      '%2F',
      '%5C',
      '..%5C..',
      '%00',
      '%ff',
      '%E0%A4%A',
      '%',
      'a%2Fb',
      '%252e%252e',
      ';jsessionid=1',
      '~',
      '*',
      '..;',
      'x'.repeat(300),
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.stringMatching(/^[!-~]{0,40}$/).map((text) => text.replace(/[?#]/g, '')) },
);

/** Values each known parameter accepts, so generated queries pass validation often enough to reach upstreams. */
const PLAUSIBLE_QUERY: Record<string, fc.Arbitrary<string>> = {
  limit: fc.integer({ min: 1, max: 50 }).map(String),
  status: fc.constantFrom('pending', 'paid', 'shipped', 'delivered', 'cancelled'),
  cursor: fc.stringMatching(/^[A-Za-z0-9_=-]{1,40}$/),
  key: fc.constantFrom('user:u1', 'user:ops', 'consumer:fuzz-partner', 'ip:127.0.0.1', 'ip:::1'),
  fields: fc.constantFrom('name', 'name,email'),
};

const QUERY_TEXT = fc.oneof(
  fc.constantFrom('', '5', '0', '-1', '51', '1e3', 'NaN', '0x10', 'delivered', 'DELIVERED', '__proto__'),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 600 }),
);

/** Header names a client might use to steer the gateway, and some it should simply ignore. */
const KNOWN_HEADERS = [
  'x-request-id',
  'traceparent',
  'x-api-version',
  'if-none-match',
  'cache-control',
  'idempotency-key',
  'origin',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'accept',
  'accept-encoding',
  'cookie',
  'range',
  'expect',
  'x-http-method-override',
];

/** Visible ASCII and Latin-1: what a header value can carry on the wire (CR, LF and NUL go through raw sockets). */
const HEADER_VALUE = fc.oneof(
  fc.constantFrom(
    '',
    '2',
    '1',
    '3',
    '*',
    'no-cache',
    'W/"x"',
    '00-' + 'a'.repeat(32) + '-' + 'b'.repeat(16) + '-01',
  ),
  fc.stringMatching(/^[\t -~\u0080-\u00ff]{0,200}$/).map((value) => value.trim()),
);

const HEADER_NAME = fc.oneof(
  fc.constantFrom(...KNOWN_HEADERS),
  fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,30}$/),
);

/** Hostile keys for any JSON object a client sends. */
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

function jsonWithHostileKeys(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.dictionary(fc.constantFrom(...HOSTILE_KEYS), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }),
  );
}

const PREFERENCES_PATCH = fc.oneof(
  fc.record(
    {
      language: fc.constantFrom('en', 'pt-BR', 'fr'),
      theme: fc.constantFrom('light', 'dark', 'system'),
      notifications: fc.record({ email: fc.boolean(), push: fc.boolean() }, { requiredKeys: [] }),
    },
    { requiredKeys: ['theme'] },
  ),
  fc.record(
    {
      language: fc.oneof(fc.constantFrom('en', 'pt-BR', 'fr'), fc.jsonValue({ maxDepth: 1 })),
      currency: fc.oneof(fc.constantFrom('EUR', 'USD'), fc.jsonValue({ maxDepth: 1 })),
      theme: fc.oneof(fc.constantFrom('light', 'dark', 'system'), fc.jsonValue({ maxDepth: 1 })),
      notifications: fc.oneof(
        fc.record({ email: fc.boolean(), push: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
        jsonWithHostileKeys(),
      ),
      marketingOptIn: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
    },
    { requiredKeys: [] },
  ),
  jsonWithHostileKeys(),
);

const INVALIDATION = fc.oneof(
  fc.record({ userId: fc.constantFrom('u1', 'u8', 'ops') }),
  fc.record({ userId: fc.oneof(fc.constantFrom('u1', '..', 'u1/../x', ''), fc.jsonValue({ maxDepth: 2 })) }),
  jsonWithHostileKeys(),
);

const noId = (path: string) => (): string => path;

function sharedRoutes(app: App): RouteSpec[] {
  const get = (name: string, queryNames: string[] = []): RouteSpec => ({
    name,
    app,
    method: 'GET',
    path: noId(name),
    queryNames,
    body: undefined,
  });
  return [
    get('/health'),
    get('/health/live'),
    get('/health/liveness'),
    get('/health/ready'),
    get('/health/readiness'),
    get('/metrics'),
    get('/docs'),
    get('/docs/json'),
    get('/admin/services'),
    get('/admin/rate-limits', ['key']),
    {
      name: '/admin/cache/invalidate',
      app,
      method: 'POST',
      path: noId('/admin/cache/invalidate'),
      queryNames: [],
      body: INVALIDATION,
    },
    { name: '(any other path)', app, method: 'GET', path: (id) => `/${id}`, queryNames: [], body: undefined },
  ];
}

const ROUTES: RouteSpec[] = [
  {
    name: '/mobile/profile',
    app: 'mobile',
    method: 'GET',
    path: noId('/mobile/profile'),
    queryNames: [],
    body: undefined,
  },
  {
    name: '/mobile/orders',
    app: 'mobile',
    method: 'GET',
    path: noId('/mobile/orders'),
    queryNames: ['cursor'],
    body: undefined,
  },
  {
    name: '/mobile/orders/:id',
    app: 'mobile',
    method: 'GET',
    path: (id) => `/mobile/orders/${id}`,
    queryNames: [],
    body: undefined,
  },
  {
    name: '/web/dashboard',
    app: 'web',
    method: 'GET',
    path: noId('/web/dashboard'),
    queryNames: [],
    body: undefined,
  },
  {
    name: '/web/orders',
    app: 'web',
    method: 'GET',
    path: noId('/web/orders'),
    queryNames: ['cursor', 'limit', 'status'],
    body: undefined,
  },
  {
    name: '/web/orders/:id',
    app: 'web',
    method: 'GET',
    path: (id) => `/web/orders/${id}`,
    queryNames: [],
    body: undefined,
  },
  {
    name: 'GET /web/preferences',
    app: 'web',
    method: 'GET',
    path: noId('/web/preferences'),
    queryNames: [],
    body: undefined,
  },
  {
    name: 'PATCH /web/preferences',
    app: 'web',
    method: 'PATCH',
    path: noId('/web/preferences'),
    queryNames: [],
    body: PREFERENCES_PATCH,
  },
  {
    name: '/web/api/users/* (pass-through)',
    app: 'web',
    method: 'GET',
    path: (id) => `/web/api/users/${id}`,
    queryNames: ['fields'],
    body: undefined,
  },
  {
    name: 'POST /web/api/users/* (pass-through)',
    app: 'web',
    method: 'POST',
    path: (id) => `/web/api/users/${id}`,
    queryNames: [],
    body: jsonWithHostileKeys(),
  },
  ...sharedRoutes('mobile'),
  ...sharedRoutes('web'),
];

type Credential =
  | 'none'
  | 'user'
  | 'admin'
  | 'admin-key'
  | 'partner-key'
  | 'key-and-token'
  | 'wrong-key'
  | 'expired'
  | 'other-secret'
  | 'alg-none'
  | 'not-bearer'
  | 'garbage'
  | 'huge'
  | 'forged-claims';

const CREDENTIALS: Credential[] = [
  'none',
  'user',
  'admin',
  'admin-key',
  'partner-key',
  'key-and-token',
  'wrong-key',
  'expired',
  'other-secret',
  'alg-none',
  'not-bearer',
  'garbage',
  'huge',
  'forged-claims',
];

/** Claims signed with the right secret but holding anything: the payload checks run on attacker-chosen values. */
const FORGED_CLAIMS = fc.record({
  header: fc.oneof(
    fc.constant({ alg: 'HS256', typ: 'JWT' }),
    fc.record({
      alg: fc.constantFrom('HS256', 'none', 'RS256', 'hs256'),
      kid: fc.jsonValue({ maxDepth: 1 }),
    }),
    fc.jsonValue({ maxDepth: 2 }),
  ),
  payload: fc.oneof(
    fc.record({
      sub: fc.oneof(
        fc.constantFrom('u1', '..', '.', 'u1/../u2', 'a'.repeat(129), 'ops'),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      roles: fc.oneof(fc.constant(['admin']), fc.jsonValue({ maxDepth: 2 })),
      exp: fc.oneof(fc.constant(Math.floor(Date.now() / 1000) + 3600), fc.jsonValue({ maxDepth: 1 })),
      nbf: fc.option(fc.jsonValue({ maxDepth: 1 }), { nil: undefined }),
    }),
    fc.jsonValue({ maxDepth: 2 }),
  ),
});

function credentialHeaders(
  kind: Credential,
  text: string,
  forged: { header: unknown; payload: unknown },
): Record<string, string> {
  switch (kind) {
    case 'none':
      return {};
    case 'user':
      return { authorization: `Bearer ${mintToken({ sub: 'u1' })}` };
    case 'admin':
      return { authorization: `Bearer ${mintToken({ sub: 'ops', roles: ['admin'] })}` };
    case 'admin-key':
      return { 'x-api-key': ADMIN_KEY };
    case 'partner-key':
      return { 'x-api-key': PARTNER_KEY };
    case 'key-and-token':
      return { 'x-api-key': ADMIN_KEY, authorization: `Bearer ${mintToken({ sub: 'u1' })}` };
    case 'wrong-key':
      return { 'x-api-key': text };
    case 'expired':
      return { authorization: `Bearer ${handSignedToken({ alg: 'HS256' }, validClaims('u1', { exp: 1 }))}` };
    case 'other-secret':
      return {
        authorization: `Bearer ${handSignedToken({ alg: 'HS256' }, validClaims('u1'), 'not-the-secret')}`,
      };
    case 'alg-none':
      return {
        authorization: `Bearer ${handSignedToken({ alg: 'none' }, validClaims('ops', { roles: ['admin'] }))
          .split('.')
          .slice(0, 2)
          .join('.')}.`,
      };
    case 'not-bearer':
      return { authorization: text };
    case 'garbage':
      return { authorization: `Bearer ${text}` };
    case 'huge':
      return { authorization: `Bearer ${'a'.repeat(9_000)}.${'b'.repeat(2_000)}.c` };
    case 'forged-claims':
      return { authorization: `Bearer ${handSignedToken(forged.header, forged.payload)}` };
  }
}

const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'SEARCH',
  'PURGE',
];

interface GeneratedRequest {
  method: string;
  id: string;
  tail: string;
  query: [string, string][];
  headers: [string, string][];
  credential: Credential;
  credentialText: string;
  forged: { header: unknown; payload: unknown };
  body: { kind: 'json'; value: unknown } | { kind: 'text'; value: string; type: string } | { kind: 'none' };
}

/** Each of the route's own parameters at most once, with a value it accepts. */
function plausibleQuery(route: RouteSpec): fc.Arbitrary<[string, string][]> {
  const names = route.queryNames.filter((name) => PLAUSIBLE_QUERY[name] !== undefined);
  if (names.length === 0) {
    return fc.constant([]);
  }
  return fc
    .record(Object.fromEntries(names.map((name) => [name, PLAUSIBLE_QUERY[name]])), { requiredKeys: [] })
    .map((values) =>
      Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
}

function requestArbitrary(route: RouteSpec): fc.Arbitrary<GeneratedRequest> {
  const queryName = fc.oneof(
    ...(route.queryNames.length > 0 ? [fc.constantFrom(...route.queryNames)] : []),
    fc.constantFrom(...HOSTILE_KEYS, 'a[b]', 'a.b', 'cursor[]'),
    fc.string({ maxLength: 12 }),
  );
  const body = fc.oneof(
    {
      weight: 4,
      arbitrary: (route.body ?? fc.jsonValue({ maxDepth: 2 })).map((value) => ({
        kind: 'json' as const,
        value,
      })),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('text' as const),
        value: fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.constantFrom(
            '{',
            '{"a":',
            '[]',
            'null',
            '{"__proto__":{"admin":true}}',
            '{"constructor":{"prototype":{"x":1}}}',
          ),
        ),
        type: fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=utf-16',
          'multipart/form-data; boundary=x',
          '',
          'application/jsonx',
          'x/y; a="',
        ),
      }),
    },
  );
  return fc.record({
    method: fc.oneof(
      { weight: 4, arbitrary: fc.constant(route.method) },
      { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
    ),
    id: PATH_SEGMENTS,
    tail: fc.oneof(
      { weight: 6, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom('/', '//', '/..', '/./', '%2F', '?', '#frag', ';a=b') },
    ),
    query: fc.oneof(fc.array(fc.tuple(queryName, QUERY_TEXT), { maxLength: 5 }), plausibleQuery(route)),
    headers: fc.array(fc.tuple(HEADER_NAME, HEADER_VALUE), { maxLength: 6 }),
    // Half the requests carry a credential the gateway accepts, so the routes behind the guards are fuzzed too.
    credential: fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom<Credential>('user', 'admin', 'admin-key') },
      { weight: 2, arbitrary: fc.constantFrom(...CREDENTIALS) },
    ),
    credentialText: fc.stringMatching(/^[!-~]{0,300}$/),
    forged: FORGED_CLAIMS,
    body: route.method === 'GET' ? fc.constant({ kind: 'none' as const }) : body,
  });
}

/** Headers a client may not set by hand here: the transport owns them, and the raw-socket suite covers them. */
const TRANSPORT_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'keep-alive',
  'expect',
  'te',
  'trailer',
]);

function wirePath(route: RouteSpec, generated: GeneratedRequest): string {
  const query = generated.query
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
  const path = route.path(generated.id) + generated.tail;
  return query === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${query}`;
}

/** The path as the gateway reads it back, so an echo of a decoded segment is not taken for a leak. */
function decodedForEcho(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

interface RouteFigures {
  cases: number;
  slowestMs: number;
  statuses: Map<number, number>;
}

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('every public route under generated hostile input', () => {
  let stack: Stack;
  let agent: Agent;
  const figures = new Map<string, RouteFigures>();
  const gc = collectGarbage();
  let heapBefore = 0;
  /** Anything thrown where nothing catches it, while the fuzz runs: each would end a production process. */
  const escaped: unknown[] = [];
  const onEscape = (error: unknown): void => {
    escaped.push(error);
  };

  beforeAll(async () => {
    stack = await startStack({
      // Throttling and caching on, with limits no run reaches: their code runs on every generated request.
      THROTTLE_ENABLED: 'true',
      THROTTLE_BURST_LIMIT: '1000000',
      THROTTLE_SUSTAINED_LIMIT: '100000000',
      CACHE_ENABLED: 'true',
      // Loopback is a trusted proxy here, so generated X-Forwarded-For headers are parsed, not ignored.
      TRUSTED_PROXIES: '127.0.0.1',
      CORS_ORIGINS: 'https://app.example.com',
      API_KEYS: JSON.stringify([
        { name: 'fuzz-ops', keyHash: hashApiKey(ADMIN_KEY), roles: ['admin'], tier: 'partner' },
        { name: 'fuzz-partner', keyHash: hashApiKey(PARTNER_KEY), roles: [], tier: 'partner' },
      ]),
      THROTTLE_TIERS: JSON.stringify({ partner: { burst: 1_000_000, sustained: 100_000_000 } }),
      PASS_THROUGH_ROUTES: JSON.stringify([
        {
          app: 'web',
          prefix: '/web/api/users/',
          service: 'user',
          upstreamPrefix: '/users/',
          methods: ['GET', 'POST'],
        },
      ]),
    });
    agent = new Agent({ connections: 4, headersTimeout: 10_000, bodyTimeout: 10_000 });
    gc();
    heapBefore = process.memoryUsage().heapUsed;
    process.on('unhandledRejection', onEscape);
    process.on('uncaughtException', onEscape);
    console.info(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays it), ${RUNS} cases per route`);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onEscape);
    process.off('uncaughtException', onEscape);
    const rows = [...figures].map(([route, { cases, slowestMs, statuses }]) => ({
      route,
      cases,
      slowestMs: Math.round(slowestMs),
      statuses: [...statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}x${count}`)
        .join(' '),
    }));
    console.info(`fuzz seed ${SEED}: cases and slowest answer per route`);
    console.table(rows);
    await agent?.close();
    await stack?.close();
  });

  async function send(route: RouteSpec, generated: GeneratedRequest): Promise<void> {
    const base = route.app === 'mobile' ? stack.mobileUrl : stack.webUrl;
    const headers: Record<string, string> = {};
    for (const [name, value] of generated.headers) {
      if (!TRANSPORT_HEADERS.has(name)) {
        headers[name] = value;
      }
    }
    const credentials = credentialHeaders(generated.credential, generated.credentialText, generated.forged);
    Object.assign(headers, credentials);
    let body: string | undefined;
    if (generated.body.kind === 'json') {
      body = JSON.stringify(generated.body.value) ?? 'null';
      headers['content-type'] = 'application/json';
    } else if (generated.body.kind === 'text') {
      body = generated.body.value;
      headers['content-type'] = generated.body.type;
    }
    const path = wirePath(route, generated);
    const startedAt = performance.now();
    const response = await request(`${base}${path}`, {
      method: generated.method as 'GET',
      headers,
      body: generated.method === 'GET' || generated.method === 'HEAD' ? undefined : body,
      dispatcher: agent,
    });
    const answer: Answer = {
      status: response.statusCode,
      headers: response.headers,
      body: await response.body.text(),
    };
    const elapsedMs = performance.now() - startedAt;

    const entry = figures.get(`${route.app} ${route.name}`) ?? {
      cases: 0,
      slowestMs: 0,
      statuses: new Map(),
    };
    entry.cases += 1;
    entry.slowestMs = Math.max(entry.slowestMs, elapsedMs);
    entry.statuses.set(answer.status, (entry.statuses.get(answer.status) ?? 0) + 1);
    figures.set(`${route.app} ${route.name}`, entry);

    const secrets = Object.values(credentials)
      .map((value) => value.replace(/^Bearer /i, ''))
      .filter((value) => value !== generated.credentialText);
    const breaches = contractBreaches(answer, {
      method: generated.method,
      text: [path, decodedForEcho(path), ...Object.values(headers), body ?? ''].join('\n'),
      secrets: [...secrets, TEST_JWT_SECRET],
    });
    if (elapsedMs > ANSWER_BOUND_MS) {
      breaches.push(`answered in ${Math.round(elapsedMs)} ms, past the ${ANSWER_BOUND_MS} ms bound`);
    }
    expect(breaches, `${generated.method} ${path} -> ${answer.status} ${answer.body.slice(0, 300)}`).toEqual(
      [],
    );
  }

  it.each(ROUTES.map((route) => [`${route.app} ${route.name}`, route] as const))(
    '%s keeps the contract for any method, path, query, header, body and credential',
    { timeout: 120_000 },
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(requestArbitrary(route), (generated) => send(route, generated)),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      // The process is still up and serving once the route has been through everything.
      const live = await request(`${route.app === 'mobile' ? stack.mobileUrl : stack.webUrl}/health/live`, {
        dispatcher: agent,
      });
      await live.body.dump();
      expect(live.statusCode).toBe(200);
    },
  );

  it('let no error escape unhandled while serving any of it', () => {
    expect(escaped).toEqual([]);
  });

  it('holds no more memory after the whole run than its bounded caches account for', () => {
    gc();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    console.info(`heap growth over the fuzz run: ${(growth / 1024 / 1024).toFixed(1)} MiB`);
    expect(growth).toBeLessThan(HEAP_GROWTH_BOUND_BYTES);
  });
});
