import { Ajv, type ValidateFunction } from 'ajv';
import { demoOrders } from '../apps/demo-services/src/demo-data.js';
import { FakeJwks } from './support/fake-jwks.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer, mintToken } from './support/tokens.js';

interface OpenApiParameter {
  name: string;
  in: string;
  required: boolean;
  schema: Record<string, unknown>;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        operationId?: string;
        parameters?: OpenApiParameter[];
        responses: Record<string, { content?: Record<string, { schema: object }> }>;
      }
    >
  >;
}

/**
 * Every documented route is called for real and each answer is checked
 * against the schema the document gives for its status and content type,
 * so the document cannot drift from what the servers send.
 */
describe('the OpenAPI documents match what the BFFs send', () => {
  let stack: Stack;
  const documents = new Map<string, OpenApiDocument>();
  const covered = new Set<string>();
  // OpenAPI 3.0 schemas carry `nullable` and doc-only keywords: validate the shapes, ignore the rest.
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validators = new Map<object, ValidateFunction>();

  beforeAll(async () => {
    stack = await startStack();
    for (const base of [stack.mobileUrl, stack.webUrl]) {
      documents.set(base, (await (await fetch(`${base}/docs/json`)).json()) as OpenApiDocument);
    }
  });
  afterAll(() => stack.close());

  const admin = { authorization: `Bearer ${mintToken({ sub: 'ops', roles: ['admin'] })}` };
  const [ownOrder] = demoOrders('u1');

  async function expectDocumented(
    base: string,
    method: string,
    template: string,
    init: RequestInit & { path?: string } = {},
  ) {
    const response = await fetch(`${base}${init.path ?? template}`, {
      ...init,
      method: method.toUpperCase(),
    });
    const operation = documents.get(base)?.paths[template]?.[method];
    expect(operation, `${method} ${template} is documented`).toBeDefined();
    const documented = operation?.responses[String(response.status)];
    expect(documented, `${method} ${template} documents status ${response.status}`).toBeDefined();
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0];
    const schema = documented?.content?.[contentType]?.schema;
    expect(schema, `${method} ${template} ${response.status} documents ${contentType}`).toBeDefined();
    let validate = validators.get(schema as object);
    if (validate === undefined) {
      validate = ajv.compile(schema as object);
      validators.set(schema as object, validate);
    }
    const body: unknown = await response.json();
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    covered.add(`${base === stack.mobileUrl ? 'mobile' : 'web'} ${method} ${template}`);
    return response.status;
  }

  it('documents the mobile routes as they answer, errors included', async () => {
    const m = stack.mobileUrl;
    expect(await expectDocumented(m, 'get', '/mobile/profile', { headers: bearer('u1') })).toBe(200);
    expect(
      await expectDocumented(m, 'get', '/mobile/profile', {
        headers: { ...bearer('u1'), 'x-api-version': '2' },
      }),
    ).toBe(200);
    expect(await expectDocumented(m, 'get', '/mobile/profile', { headers: {} })).toBe(401);
    expect(await expectDocumented(m, 'get', '/mobile/profile', { headers: bearer('missing-1') })).toBe(404);
    expect(await expectDocumented(m, 'get', '/mobile/orders', { headers: bearer('u8') })).toBe(200);
    expect(
      await expectDocumented(m, 'get', '/mobile/orders', {
        headers: bearer('u8'),
        path: '/mobile/orders?cursor=%20',
      }),
    ).toBe(400);
    expect(
      await expectDocumented(m, 'get', '/mobile/orders/{id}', {
        headers: bearer('u1'),
        path: `/mobile/orders/${ownOrder.id}`,
      }),
    ).toBe(200);
    expect(
      await expectDocumented(m, 'get', '/mobile/orders/{id}', {
        headers: bearer('u2'),
        path: `/mobile/orders/${ownOrder.id}`,
      }),
    ).toBe(404);
  });

  it('documents the web routes as they answer, errors included', async () => {
    const w = stack.webUrl;
    const json = { 'content-type': 'application/json' };
    expect(await expectDocumented(w, 'get', '/web/dashboard', { headers: bearer('u1') })).toBe(200);
    expect(await expectDocumented(w, 'get', '/web/orders', { headers: bearer('u8') })).toBe(200);
    expect(
      await expectDocumented(w, 'get', '/web/orders', {
        headers: bearer('u8'),
        path: '/web/orders?limit=99',
      }),
    ).toBe(400);
    expect(
      await expectDocumented(w, 'get', '/web/orders/{id}', {
        headers: bearer('u1'),
        path: `/web/orders/${ownOrder.id}`,
      }),
    ).toBe(200);
    expect(
      await expectDocumented(w, 'get', '/web/orders/{id}', {
        headers: bearer('u2'),
        path: `/web/orders/${ownOrder.id}`,
      }),
    ).toBe(404);
    expect(await expectDocumented(w, 'get', '/web/preferences', { headers: bearer('u1') })).toBe(200);
    expect(
      await expectDocumented(w, 'patch', '/web/preferences', {
        headers: { ...bearer('u1'), ...json },
        body: '{"theme":"dark"}',
      }),
    ).toBe(200);
    expect(
      await expectDocumented(w, 'patch', '/web/preferences', {
        headers: { ...bearer('u1'), ...json },
        body: '{"colour":"red"}',
      }),
    ).toBe(400);
    expect(
      await expectDocumented(w, 'patch', '/web/preferences', {
        headers: { ...bearer('u1'), ...json },
        // Within the gateway's rule for a language tag, refused by the preference service's.
        body: '{"language":"xx-YY-ZZZZ"}',
      }),
    ).toBe(422);
    expect(
      await expectDocumented(w, 'patch', '/web/preferences', {
        headers: { ...bearer('u1'), 'content-type': 'text/plain' },
        body: '{"theme":"dark"}',
      }),
    ).toBe(415);
    expect(
      await expectDocumented(w, 'patch', '/web/preferences', {
        headers: { ...bearer('u1'), ...json },
        body: JSON.stringify({ theme: 'x'.repeat(100_000) }),
      }),
    ).toBe(413);
  });

  it('documents the query parameters each list accepts, with their rules', () => {
    const parametersOf = (base: string, path: string): OpenApiParameter[] =>
      (documents.get(base)?.paths[path]?.get.parameters ?? []).filter(
        (parameter) => parameter.in === 'query',
      );

    const web = parametersOf(stack.webUrl, '/web/orders');
    expect(web.map((parameter) => parameter.name)).toEqual(['cursor', 'limit', 'status']);
    expect(web.find((parameter) => parameter.name === 'limit')).toMatchObject({
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 50, default: 20 },
    });
    expect(web.find((parameter) => parameter.name === 'status')?.schema.enum).toEqual([
      'pending',
      'paid',
      'shipped',
      'delivered',
      'cancelled',
    ]);
    expect(parametersOf(stack.mobileUrl, '/mobile/orders').map((parameter) => parameter.name)).toEqual([
      'cursor',
    ]);
    expect(parametersOf(stack.webUrl, '/admin/rate-limits')).toMatchObject([{ name: 'key', required: true }]);
  });

  it('documents the conditional GET of the cached aggregates: If-None-Match and its 304', () => {
    for (const [base, path] of [
      [stack.mobileUrl, '/mobile/profile'],
      [stack.webUrl, '/web/dashboard'],
    ]) {
      const operation = documents.get(base)?.paths[path]?.get as unknown as {
        parameters: Array<{ name: string; in: string }>;
        responses: Record<string, unknown>;
      };
      expect(operation.responses['304']).toBeDefined();
      expect(operation.parameters).toContainEqual(
        expect.objectContaining({ name: 'If-None-Match', in: 'header' }),
      );
    }
  });

  it('documents the headers clients act on: rate limits, Retry-After, the challenge, the validator', () => {
    type Responses = Record<string, { headers?: Record<string, unknown> }>;
    const responsesOf = (base: string, path: string): Responses =>
      (documents.get(base)?.paths[path]?.get as unknown as { responses?: Responses } | undefined)
        ?.responses ?? {};
    const headersOf = (responses: Responses, status: string): string[] =>
      Object.keys(responses[status]?.headers ?? {});

    const profile = responsesOf(stack.mobileUrl, '/mobile/profile');
    expect(headersOf(profile, '200')).toEqual(
      expect.arrayContaining(['X-Request-Id', 'RateLimit-Remaining', 'ETag', 'X-Response-Complete']),
    );
    expect(headersOf(profile, '401')).toContain('WWW-Authenticate');
    expect(headersOf(profile, '429')).toEqual(expect.arrayContaining(['Retry-After', 'RateLimit-Policy']));
    expect(headersOf(profile, '503')).toContain('Retry-After');
    expect(headersOf(responsesOf(stack.webUrl, '/web/orders'), '200')).not.toContain('ETag');
    for (const [base, path] of [
      [stack.webUrl, '/web/orders'],
      [stack.webUrl, '/web/preferences'],
      [stack.mobileUrl, '/mobile/orders'],
      [stack.mobileUrl, '/mobile/orders/{id}'],
    ]) {
      expect(headersOf(responsesOf(base, path), '200'), path).toEqual(
        expect.arrayContaining(['X-Response-Complete', 'Age']),
      );
    }
    expect(headersOf(responsesOf(stack.webUrl, '/web/orders/{id}'), '200')).toContain('X-Response-Complete');
  });

  it('documents a preference change as changing at least one field, as the route enforces', () => {
    const patch = documents.get(stack.webUrl)?.paths['/web/preferences']?.patch as unknown as {
      requestBody: { content: Record<string, { schema: Record<string, unknown> }> };
    };
    const body = patch.requestBody.content['application/json'].schema;
    const validate = ajv.compile(body);
    expect(validate({})).toBe(false);
    expect(validate({ notifications: {} })).toBe(false);
    expect(validate({ theme: 'dark' })).toBe(true);
  });

  it('documents the Idempotency-Key of a preference change as optional', () => {
    const patch = documents.get(stack.webUrl)?.paths['/web/preferences']?.patch as unknown as {
      parameters: Array<{ name: string; in: string; required?: boolean }>;
    };
    const keys = patch.parameters.filter(
      (parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key',
    );
    expect(keys).toEqual([expect.objectContaining({ required: false })]);
  });

  it('documents the admin routes on both BFFs', async () => {
    for (const base of [stack.mobileUrl, stack.webUrl]) {
      expect(await expectDocumented(base, 'get', '/admin/services', { headers: admin })).toBe(200);
      expect(await expectDocumented(base, 'get', '/admin/services', { headers: bearer('u1') })).toBe(403);
      expect(
        await expectDocumented(base, 'get', '/admin/rate-limits', {
          headers: admin,
          path: '/admin/rate-limits?key=user:u1',
        }),
      ).toBe(200);
      expect(
        await expectDocumented(base, 'get', '/admin/rate-limits', {
          headers: admin,
          path: '/admin/rate-limits?key=nope',
        }),
      ).toBe(400);
      expect(
        await expectDocumented(base, 'post', '/admin/cache/invalidate', {
          headers: { ...admin, 'content-type': 'application/json' },
          body: '{"userId":"u1"}',
        }),
      ).toBe(200);
      expect(
        await expectDocumented(base, 'post', '/admin/cache/invalidate', {
          headers: { ...admin, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'userId=u1',
        }),
      ).toBe(415);
    }
  });

  it("documents the 503 of an admin route whose caller's token cannot be verified yet, with its Retry-After", async () => {
    // No signing key was ever fetched: every token is answered 503 to retry, not 401.
    const jwks = await FakeJwks.start();
    const url = jwks.url;
    await jwks.close();
    const withoutKeys = await startStack({ JWT_SECRET: '', JWT_JWKS_URL: url });
    try {
      const base = withoutKeys.mobileUrl;
      documents.set(base, (await (await fetch(`${base}/docs/json`)).json()) as OpenApiDocument);
      const headers = { authorization: `Bearer ${jwks.token('ops')}` };
      expect(await expectDocumented(base, 'get', '/admin/services', { headers })).toBe(503);
      expect(await expectDocumented(base, 'get', '/admin/rate-limits', { headers })).toBe(503);
      expect(
        await expectDocumented(base, 'post', '/admin/cache/invalidate', {
          headers: { ...headers, 'content-type': 'application/json' },
          body: '{"userId":"u1"}',
        }),
      ).toBe(503);
      const invalidate = documents.get(base)?.paths['/admin/cache/invalidate']?.post as unknown as {
        responses: Record<string, { headers?: Record<string, unknown> }>;
      };
      expect(Object.keys(invalidate.responses['503']?.headers ?? {})).toContain('Retry-After');
    } finally {
      documents.delete(withoutKeys.mobileUrl);
      await withoutKeys.close();
    }
  });

  it('documents the health routes as they answer, a failed check included', async () => {
    for (const base of [stack.mobileUrl, stack.webUrl]) {
      for (const path of [
        '/health',
        '/health/live',
        '/health/liveness',
        '/health/ready',
        '/health/readiness',
      ]) {
        expect(await expectDocumented(base, 'get', path)).toBe(200);
      }
    }
    // A Redis that never answers fails /health's check.
    const withoutRedis = await startStack({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      documents.set(
        withoutRedis.mobileUrl,
        (await (await fetch(`${withoutRedis.mobileUrl}/docs/json`)).json()) as OpenApiDocument,
      );
      expect(await expectDocumented(withoutRedis.mobileUrl, 'get', '/health')).toBe(503);
    } finally {
      documents.delete(withoutRedis.mobileUrl);
      await withoutRedis.close();
    }
  });

  it('names every operation with a distinct identifier client generators can use', () => {
    for (const document of documents.values()) {
      const ids = Object.values(document.paths).flatMap((operations) =>
        Object.values(operations).map((operation) => operation.operationId),
      );
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) {
        expect(id).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
      }
    }
  });

  it('leaves no documented route unexercised', () => {
    for (const [base, document] of documents) {
      const app = base === stack.mobileUrl ? 'mobile' : 'web';
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const method of Object.keys(operations)) {
          expect(covered, `${app} ${method} ${path}`).toContain(`${app} ${method} ${path}`);
        }
      }
    }
  });

  it('serves the documentation page', async () => {
    const page = await fetch(`${stack.mobileUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('serves the document at /docs-json too, where Nest apps serve it by default', async () => {
    for (const base of [stack.mobileUrl, stack.webUrl]) {
      const answer = await fetch(`${base}/docs-json`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await answer.json()).toEqual(documents.get(base));
    }
  });
});
