import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { FakeJwks, type JwksMode } from './support/fake-jwks.js';
import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';

/*
 * Both BFFs verifying RS256 tokens against a JWKS endpoint that fails the
 * ways identity providers fail. A token the gateway cannot verify is a 401
 * problem, promptly: a request waits for at most one key-set fetch, cut at
 * the key store's 2 s fetch timeout, and never for the endpoint itself.
 */

/** The key store's fetch timeout (2 s) plus room for a machine shared with other suites. */
const PROMPT_MS = 3_500;

const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });

function jwksStack(jwks: FakeJwks, env: Record<string, string> = {}): Promise<Stack> {
  return startStack({ JWT_SECRET: '', JWT_JWKS_URL: jwks.url, ...env });
}

async function timedProfile(stack: Stack, token: string): Promise<{ response: Response; ms: number }> {
  const startedAt = performance.now();
  const response = await fetch(`${stack.mobileUrl}/mobile/profile`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { response, ms: performance.now() - startedAt };
}

describe.each<JwksMode>(['hang', 'garbage', 'unavailable'])(
  'a JWKS endpoint that is %s from the start',
  (mode) => {
    let jwks: FakeJwks;
    let stack: Stack;

    beforeAll(async () => {
      jwks = await FakeJwks.start(mode);
      stack = await jwksStack(jwks);
    });
    afterAll(async () => {
      await stack.close();
      await jwks.close();
    });

    it('answers a token it cannot verify yet with a prompt 503 to retry, never a hang nor a 401 that would have the client drop it', async () => {
      const { response, ms } = await timedProfile(stack, jwks.token('u1'));

      const problem = await expectProblem(response, 503);
      expect(problem.detail).toBe('Access tokens cannot be verified right now; retry shortly.');
      expect(response.headers.get('retry-after')).toBe('5');
      expect(ms).toBeLessThan(PROMPT_MS);
    });

    it('stays live but not ready while it holds no signing key', async () => {
      expect((await fetch(`${stack.mobileUrl}/health/live`)).status).toBe(200);
      const ready = await expectProblem(await fetch(`${stack.mobileUrl}/health/ready`), 503);
      expect(ready.error).toMatchObject({ 'signing-keys': { status: 'down', keys: 0 } });
    });
  },
);

describe('a JWKS endpoint that comes back after the gateway started without it', () => {
  let jwks: FakeJwks;
  let stack: Stack;

  beforeAll(async () => {
    jwks = await FakeJwks.start('unavailable');
    stack = await jwksStack(jwks);
  });
  afterAll(async () => {
    await stack.close();
    await jwks.close();
  });

  it('becomes ready, and verifies tokens, within seconds of the endpoint coming back, with no token asking for it', async () => {
    expect((await fetch(`${stack.mobileUrl}/health/ready`)).status).toBe(503);

    jwks.mode = 'ok';

    await vi.waitFor(async () => expect((await fetch(`${stack.mobileUrl}/health/ready`)).status).toBe(200), {
      timeout: 8_000,
      interval: 250,
    });
    expect((await timedProfile(stack, jwks.token('u1'))).response.status).toBe(200);
  });
});

describe('a JWKS endpoint that is down from the start', () => {
  let stack: Stack;
  let jwks: FakeJwks;

  beforeAll(async () => {
    jwks = await FakeJwks.start();
    const url = jwks.url;
    // Nothing listens on the endpoint's port once it is closed: every fetch is refused.
    await jwks.close();
    stack = await startStack({ JWT_SECRET: '', JWT_JWKS_URL: url });
  });
  afterAll(() => stack.close());

  it('answers every token with a prompt 503 problem', async () => {
    const { response, ms } = await timedProfile(stack, jwks.token('u1'));

    await expectProblem(response, 503);
    expect(ms).toBeLessThan(PROMPT_MS);
  });
});

describe('a JWKS endpoint that goes down while tokens are being verified', () => {
  let jwks: FakeJwks;
  let stack: Stack;

  beforeAll(async () => {
    jwks = await FakeJwks.start('ok');
    stack = await jwksStack(jwks);
  });
  afterAll(async () => {
    await stack.close();
    await jwks.close();
  });

  it('keeps verifying tokens with the keys it already has while the endpoint hangs', async () => {
    expect((await timedProfile(stack, jwks.token('u1'))).response.status).toBe(200);
    jwks.mode = 'hang';

    const known = await timedProfile(stack, jwks.token('u1'));
    const unknown = await timedProfile(
      stack,
      jwks.token('u1', `rotated-${randomUUID()}`, attacker.privateKey),
    );

    expect(known.response.status).toBe(200);
    await expectProblem(unknown.response, 401);
    expect(unknown.ms).toBeLessThan(PROMPT_MS);
    // The keys it holds still verify tokens: it stays ready.
    expect((await fetch(`${stack.mobileUrl}/health/ready`)).status).toBe(200);
  });
});

describe('a signing key published just after someone sent an unknown key id', () => {
  let jwks: FakeJwks;
  let stack: Stack;

  beforeAll(async () => {
    jwks = await FakeJwks.start('ok');
    stack = await jwksStack(jwks, { JWT_JWKS_UNKNOWN_KID_COOLDOWN_S: '2' });
  });
  afterAll(async () => {
    await stack.close();
    await jwks.close();
  });

  it('answers its tokens 503 to retry during the cooldown, never a 401 that would sign the user out, and verifies them after', async () => {
    const forged = jwks.token('u1', `forged-${randomUUID()}`, attacker.privateKey);
    await expectProblem((await timedProfile(stack, forged)).response, 401);
    const next = jwks.publishNewKey();
    const token = jwks.token('u1', next.kid, next.privateKey);

    const { response } = await timedProfile(stack, token);

    const problem = await expectProblem(response, 503);
    expect(problem.detail).toBe('Access tokens cannot be verified right now; retry shortly.');
    const retryAfterS = Number(response.headers.get('retry-after'));
    expect(retryAfterS).toBeGreaterThanOrEqual(1);
    expect(retryAfterS).toBeLessThanOrEqual(2);

    await sleep(retryAfterS * 1000);

    expect((await timedProfile(stack, token)).response.status).toBe(200);
  });
});

describe('a flood of tokens naming unknown key ids', () => {
  let jwks: FakeJwks;
  let stack: Stack;

  beforeAll(async () => {
    jwks = await FakeJwks.start('ok');
    stack = await jwksStack(jwks);
  });
  afterAll(async () => {
    await stack.close();
    await jwks.close();
  });

  it('refreshes the key set at most once per cooldown, whatever the flood, and lets no token through', async () => {
    // Each BFF fetched the key set once at boot.
    const atBoot = jwks.requests;
    const statuses: number[] = [];
    const retryAfters = new Set<string | null>();

    for (let wave = 0; wave < 5; wave += 1) {
      const answers = await Promise.all(
        Array.from({ length: 40 }, async () => {
          const forged = jwks.token('u1', `forged-${randomUUID()}`, attacker.privateKey);
          const app = wave % 2 === 0 ? stack.mobileUrl : stack.webUrl;
          const response = await fetch(`${app}/${wave % 2 === 0 ? 'mobile/profile' : 'web/dashboard'}`, {
            headers: { authorization: `Bearer ${forged}` },
          });
          await response.arrayBuffer();
          if (response.status === 503) {
            retryAfters.add(response.headers.get('retry-after'));
          }
          return response.status;
        }),
      );
      statuses.push(...answers);
    }

    // 401 for the kids the one refresh looked up; those that came during the cooldown are told to retry when it ends.
    expect(statuses).toContain(401);
    expect(new Set(statuses)).toEqual(new Set([401, 503]));
    expect(statuses).toHaveLength(200);
    for (const retryAfter of retryAfters) {
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(retryAfter)).toBeLessThanOrEqual(30);
    }
    // One refresh per BFF within the 30 s cooldown, however many unknown kids arrived.
    expect(jwks.requests - atBoot).toBeLessThanOrEqual(2);
    expect(atBoot).toBe(2);
  });
});
