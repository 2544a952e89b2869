import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { mintToken, TEST_JWT_SECRET } from './support/tokens.js';

describe('authentication on both BFFs', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const call = (url: string, authorization?: string): Promise<Response> =>
    fetch(url, { headers: authorization === undefined ? {} : { authorization } });

  const cases: Array<[string, string | undefined]> = [
    ['no Authorization header', undefined],
    ['a scheme other than Bearer', `Basic ${Buffer.from('u1:pw').toString('base64')}`],
    ['a malformed token', 'Bearer not.a.jwt'],
    ['a valid token followed by other words', `Bearer ${mintToken({ sub: 'u1' })} and more`],
    ['an expired token', `Bearer ${mintToken({ sub: 'u1', expiresInSeconds: -120 })}`],
    ['a token from another issuer', `Bearer ${mintToken({ sub: 'u1', issuer: 'https://evil.test' })}`],
    ['a token for another audience', `Bearer ${mintToken({ sub: 'u1', audience: 'someone-else' })}`],
    [
      'a token signed with another secret',
      `Bearer ${mintToken({ sub: 'u1', secret: `${TEST_JWT_SECRET}-other` })}`,
    ],
  ];

  it.each(cases)('refuses %s with a 401 problem and a Bearer challenge', async (_name, authorization) => {
    for (const url of [`${stack.mobileUrl}/mobile/profile`, `${stack.webUrl}/web/dashboard`]) {
      const response = await call(url, authorization);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
      await expectProblem(response, 401);
    }
  });

  it('refuses a token whose payload was tampered with after signing', async () => {
    const [header, , signature] = mintToken({ sub: 'u1' }).split('.');
    const forged = Buffer.from(
      JSON.stringify({ sub: 'u2', iss: 'https://idp.e2e.test', aud: 'bff-gateway', exp: 9999999999 }),
    ).toString('base64url');
    await expectProblem(
      await call(`${stack.mobileUrl}/mobile/profile`, `Bearer ${header}.${forged}.${signature}`),
      401,
    );
  });

  it('refuses an unsigned token (alg none)', async () => {
    const encode = (part: object): string => Buffer.from(JSON.stringify(part)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'u1', iss: 'https://idp.e2e.test', aud: 'bff-gateway', exp: 9999999999 })}.`;
    await expectProblem(await call(`${stack.mobileUrl}/mobile/profile`, `Bearer ${unsigned}`), 401);
  });

  it('lets a valid token through', async () => {
    const response = await call(`${stack.mobileUrl}/mobile/profile`, `Bearer ${mintToken({ sub: 'u1' })}`);
    expect(response.status).toBe(200);
  });
});

describe('an address that keeps failing to authenticate', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_MS: '60000' });
  });
  afterAll(() => stack.close());

  it('is answered 429 with Retry-After and rate-limit headers, while a token already in use keeps working', async () => {
    const url = `${stack.mobileUrl}/mobile/profile`;
    const signedIn = `Bearer ${mintToken({ sub: 'u1' })}`;
    expect((await fetch(url, { headers: { authorization: signedIn } })).status).toBe(200);
    for (const attempt of [1, 2, 3]) {
      const refused = await fetch(url, { headers: { authorization: `Bearer forged.token.${attempt}` } });
      expect(refused.status).toBe(401);
    }
    const wrongKey = await fetch(url, { headers: { 'x-api-key': 'guessed' } });

    const problem = await expectProblem(wrongKey, 429);
    expect(problem.detail).toMatch(/^Too many failed authentications from this address; retry in \d+ s\.$/);
    expect(Number(wrongKey.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(wrongKey.headers.get('ratelimit-policy')).toBe('3;w=60');
    const fresh = await fetch(url, { headers: { authorization: `Bearer ${mintToken({ sub: 'u2' })}` } });
    expect(fresh.status).toBe(429);
    expect((await fetch(url, { headers: { authorization: signedIn } })).status).toBe(200);
    // Each app counts its own callers' failures.
    expect(
      (await fetch(`${stack.webUrl}/web/dashboard`, { headers: { authorization: signedIn } })).status,
    ).toBe(200);
  });
});

describe('an address whose tokens lapse or that has not signed in yet', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_MS: '60000' });
  });
  afterAll(() => stack.close());

  it('is not held back: an expired token, no token or the wrong audience is no guess at credentials', async () => {
    const url = `${stack.mobileUrl}/mobile/profile`;
    const expired = `Bearer ${mintToken({ sub: 'u1', expiresInSeconds: -60 })}`;
    const elsewhere = `Bearer ${mintToken({ sub: 'u1', audience: 'another-api' })}`;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expectProblem(await fetch(url, { headers: { authorization: expired } }), 401);
      await expectProblem(await fetch(url), 401);
      await expectProblem(await fetch(url, { headers: { authorization: 'Basic dTE6cGFzcw==' } }), 401);
      await expectProblem(await fetch(url, { headers: { authorization: elsewhere } }), 401);
    }

    const refreshed = await fetch(url, { headers: { authorization: `Bearer ${mintToken({ sub: 'u1' })}` } });
    expect(refreshed.status).toBe(200);
  });
});

describe('an operator looking up an address held back for failing to authenticate', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ AUTH_FAILURE_LIMIT: '2', AUTH_FAILURE_WINDOW_MS: '60000' });
  });
  afterAll(() => stack.close());

  it('sees its failures and how long it is held back in /admin/rate-limits', async () => {
    const admin = { authorization: `Bearer ${mintToken({ sub: 'ops', roles: ['admin'] })}` };
    const lookUp = async (): Promise<Record<string, unknown>> => {
      const response = await fetch(`${stack.webUrl}/admin/rate-limits?key=ip:127.0.0.1`, { headers: admin });
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    };
    expect((await lookUp()).authFailures).toEqual({
      limit: 2,
      windowMs: 60_000,
      failures: 0,
      heldBackForMs: 0,
    });

    for (const attempt of [1, 2]) {
      await expectProblem(
        await fetch(`${stack.webUrl}/web/dashboard`, {
          headers: { authorization: `Bearer forged.${attempt}.x` },
        }),
        401,
      );
    }

    const held = (await lookUp()).authFailures as { failures: number; heldBackForMs: number };
    expect(held.failures).toBe(2);
    expect(held.heldBackForMs).toBeGreaterThan(50_000);
  });
});
