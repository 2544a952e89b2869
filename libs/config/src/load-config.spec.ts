import { generateKeyPairSync } from 'node:crypto';
import { ConfigError } from './config.error.js';
import { DEVELOPMENT_JWT_SECRET } from './development-secret.js';
import { loadConfig } from './load-config.js';

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

const rsaPublicPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();
const ecPublicPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

describe(loadConfig.name, () => {
  it('starts on local defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config.ports).toEqual({ mobileBff: 3001, webBff: 3002 });
    expect(config.services.user.instances).toEqual([{ url: 'http://127.0.0.1:4001', weight: 1 }]);
    expect(config.services.order.instances).toEqual([{ url: 'http://127.0.0.1:4002', weight: 1 }]);
    expect(config.services.preference.instances).toEqual([{ url: 'http://127.0.0.1:4003', weight: 1 }]);
    expect(config.demo.ports).toEqual({ user: 4001, order: 4002, preference: 4003 });
    expect(config.redisUrl).toBeUndefined();
    expect(config.http.aggregateDeadlineMs).toBe(1500);
    expect(config.auth.key).toMatchObject({
      kind: 'secret',
      secret: DEVELOPMENT_JWT_SECRET,
      isDevelopmentSecret: true,
    });
  });

  it('parses a comma-separated instance list into URLs without trailing slashes, with optional weights', () => {
    const config = loadConfig({ ORDER_SERVICE_URL: 'http://orders-1:8080/, http://orders-2:8080;weight=3' });
    expect(config.services.order.instances).toEqual([
      { url: 'http://orders-1:8080', weight: 1 },
      { url: 'http://orders-2:8080', weight: 3 },
    ]);
    expect(problemsOf({ ORDER_SERVICE_URL: 'http://orders-1:8080;weight=0' })[0]).toMatch(
      /^ORDER_SERVICE_URL: /,
    );
  });

  it('applies upstream settings to every service, and per-service settings to one', () => {
    const config = loadConfig({
      UPSTREAM_TIMEOUT_MS: '800',
      UPSTREAM_BREAKER_CONSECUTIVE_FAILURES: '7',
      ORDER_SERVICE_TIMEOUT_MS: '300',
      PREFERENCE_SERVICE_HEDGE: 'true',
    });
    expect(config.services.user.timeoutMs).toBe(800);
    expect(config.services.order.timeoutMs).toBe(300);
    expect(config.services.order.breaker.consecutiveFailures).toBe(7);
    expect(config.services.preference.hedge).toEqual({ enabled: true, delayMs: 0 });
    expect(config.services.user.retry).toEqual({
      maxRetries: 2,
      baseDelayMs: 25,
      budgetRatio: 0.2,
      budgetWindowMs: 10_000,
      budgetMinRetries: 5,
    });
  });

  it('names the per-service variable that is wrong', () => {
    expect(problemsOf({ ORDER_SERVICE_RETRY_MAX: '5', UPSTREAM_BREAKER_FAILURE_RATE: '2' }).sort()).toEqual([
      'ORDER_SERVICE_RETRY_MAX: must be at most 2 retries',
      'UPSTREAM_BREAKER_FAILURE_RATE: must be a number above 0 and at most 1 (1 turns it off)',
    ]);
  });

  it('lists every bad variable at once, by name and rule', () => {
    const problems = problemsOf({
      MOBILE_BFF_PORT: 'seventy',
      WEB_BFF_PORT: '70000',
      USER_SERVICE_URL: 'ftp://users',
      REDIS_URL: 'localhost:6379',
      NODE_ENV: 'staging',
    });
    expect(problems).toHaveLength(5);
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual([
      'MOBILE_BFF_PORT',
      'NODE_ENV',
      'REDIS_URL',
      'USER_SERVICE_URL',
      'WEB_BFF_PORT',
    ]);
  });

  it('never repeats a received value in its message, since it may be a secret', () => {
    const error = (() => {
      try {
        loadConfig({
          REDIS_URL: 'hunter2-password',
          JWT_PUBLIC_KEY: 'super-secret-not-a-key',
          CORS_ORIGINS: 'sekrit',
        });
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).not.toMatch(/hunter2|super-secret|sekrit/);
  });

  it('refuses to start in production without a JWT key', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL: one is required in production',
    ]);
  });

  it('refuses the public development secret and short secrets in production', () => {
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: DEVELOPMENT_JWT_SECRET })[0]).toMatch(
      /^JWT_SECRET: /,
    );
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' })[0]).toMatch(/at least 32 characters/);
  });

  it('refuses two key sources at once', () => {
    expect(
      problemsOf({ JWT_SECRET: 'x'.repeat(40), JWT_JWKS_URL: 'https://idp.example.com/jwks.json' })[0],
    ).toMatch(/exactly one/);
  });

  it('pins RS256 to an RSA public key and ES256 to a P-256 key', () => {
    expect(loadConfig({ JWT_PUBLIC_KEY: rsaPublicPem }).auth.key).toMatchObject({
      kind: 'public-key',
      algorithms: ['RS256'],
    });
    expect(loadConfig({ JWT_PUBLIC_KEY: ecPublicPem }).auth.key).toMatchObject({
      kind: 'public-key',
      algorithms: ['ES256'],
    });
  });

  it('accepts a PEM key whose newlines arrive escaped', () => {
    const escaped = rsaPublicPem.replace(/\n/g, '\\n');
    expect(loadConfig({ JWT_PUBLIC_KEY: escaped }).auth.key).toMatchObject({ publicKeyPem: rsaPublicPem });
  });

  it('refuses a public key that is not RSA or P-256', () => {
    expect(problemsOf({ JWT_PUBLIC_KEY: 'not a pem' })[0]).toMatch(/^JWT_PUBLIC_KEY: /);
  });

  it('configures JWKS with both asymmetric algorithms and its refresh policy', () => {
    expect(loadConfig({ JWT_JWKS_URL: 'https://idp.example.com/jwks.json' }).auth.key).toEqual({
      kind: 'jwks',
      url: 'https://idp.example.com/jwks.json',
      algorithms: ['RS256', 'ES256'],
      refreshIntervalMs: 600_000,
      unknownKidCooldownMs: 30_000,
    });
  });

  it('reads fault knobs for the demo services', () => {
    const config = loadConfig({
      DEMO_ORDER_DOWN: 'true',
      DEMO_USER_LATENCY_MS: '250',
      DEMO_PREFERENCE_ERROR_RATE: '0.5',
    });
    expect(config.demo.faults.order.down).toBe(true);
    expect(config.demo.faults.user.latencyMs).toBe(250);
    expect(config.demo.faults.preference.errorRate).toBe(0.5);
    expect(problemsOf({ DEMO_USER_ERROR_RATE: '2' })[0]).toMatch(/^DEMO_USER_ERROR_RATE: /);
  });
});
