import { generateKeyPairSync } from 'node:crypto';
import { ConfigError } from './config.error.js';
import { DEVELOPMENT_JWT_SECRET } from './development-secret.js';
import { hashApiKey } from './hash-api-key.js';
import { LAUNCHER_PORTS, loadConfig, loadDemoServicesConfig, type ListenedPort } from './load-config.js';

function problemsOf(
  env: Record<string, string | undefined>,
  listens: readonly ListenedPort[] = [],
): string[] {
  try {
    loadConfig(env, listens);
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
  it('names one rule, the range, for a number too large to be read exactly', () => {
    const huge = '99999999999999999999';
    expect(problemsOf({ MOBILE_BFF_PORT: huge })).toEqual([
      'MOBILE_BFF_PORT: must be a port from 1 to 65535',
    ]);
    expect(problemsOf({ AGGREGATE_DEADLINE_MS: huge })).toHaveLength(1);
    expect(problemsOf({ UPSTREAM_TIMEOUT_MS: huge })).toHaveLength(1);
    expect(problemsOf({ OTEL_EXPORTER_OTLP_TIMEOUT: huge })).toHaveLength(1);
    expect(problemsOf({ MOBILE_BFF_PORT: '80.5' })).toEqual(['MOBILE_BFF_PORT: must be a whole port number']);
  });

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

  it('reads yes/no variables in any case, as operators write them', () => {
    const config = loadConfig({
      THROTTLE_ENABLED: 'False',
      CACHE_ENABLED: 'NO',
      DEMO_USER_DOWN: 'True',
      UPSTREAM_HEDGE: 'ON',
      OTEL_SDK_DISABLED: 'TRUE',
    });
    expect(config.throttle.enabled).toBe(false);
    expect(config.cache.enabled).toBe(false);
    expect(config.demo.faults.user.down).toBe(true);
    expect(config.services.user.hedge.enabled).toBe(true);
    expect(problemsOf({ THROTTLE_ENABLED: 'maybe' })).toEqual(['THROTTLE_ENABLED: must be true or false']);
  });

  it("calls a demo service on the port it was moved to, unless the service's URL is set", () => {
    const config = loadConfig({
      DEMO_USER_PORT: '4101',
      DEMO_ORDER_PORT: '4102',
      ORDER_SERVICE_URL: 'http://orders:80',
    });
    expect(config.demo.ports.user).toBe(4101);
    expect(config.services.user.instances).toEqual([{ url: 'http://127.0.0.1:4101', weight: 1 }]);
    expect(config.services.order.instances).toEqual([{ url: 'http://orders:80', weight: 1 }]);
    expect(config.services.preference.instances).toEqual([{ url: 'http://127.0.0.1:4003', weight: 1 }]);
    expect(problemsOf({ DEMO_USER_PORT: 'x' })).toEqual([expect.stringMatching(/^DEMO_USER_PORT: /)]);
  });

  it.each(['4101 ', '+4101', '4101.0'])(
    'calls the demo user service on the port it listens on when DEMO_USER_PORT is written %j',
    (written) => {
      const config = loadConfig({ DEMO_USER_PORT: written });
      expect(config.demo.ports.user).toBe(4101);
      expect(config.services.user.instances).toEqual([{ url: 'http://127.0.0.1:4101', weight: 1 }]);
    },
  );

  it('names only the demo port past the range, not the service URL nobody set', () => {
    expect(problemsOf({ DEMO_USER_PORT: '70000' })).toEqual([
      'DEMO_USER_PORT: must be a port from 1 to 65535',
    ]);
  });

  it('calls the demo services on the address they listen on, loopback when they listen on every address', () => {
    const urlsFor = (host: string): string[] =>
      Object.values(loadConfig({ HOST: host }).services).map((service) => service.instances[0].url);
    expect(urlsFor('::1')).toEqual(['http://[::1]:4001', 'http://[::1]:4002', 'http://[::1]:4003']);
    expect(urlsFor('0.0.0.0')[0]).toBe('http://127.0.0.1:4001');
    expect(urlsFor('::')[0]).toBe('http://127.0.0.1:4001');
    expect(urlsFor('localhost')[0]).toBe('http://localhost:4001');
  });

  it('blames a HOST it cannot listen on on HOST alone, not on the service URLs built from it', () => {
    for (const host of ['999.1.1.1', '::1:', '[::1]', 'bad_host', '-dash.example']) {
      expect(problemsOf({ HOST: host })).toEqual([expect.stringMatching(/^HOST: /)]);
    }
    expect(loadConfig({ HOST: 'bff-1.internal' }).http).toMatchObject({ host: 'bff-1.internal' });
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

  it('refuses an instance URL with credentials, which would be dropped, and names it without the password', () => {
    const [problem] = problemsOf({ ORDER_SERVICE_URL: 'http://svc:s3cret@orders-1:8080' });
    expect(problem).toMatch(/^ORDER_SERVICE_URL: must not carry credentials/);
    expect(problem).not.toContain('s3cret');
  });

  it('refuses an instance listed twice, which round robin and health would count as two', () => {
    expect(problemsOf({ USER_SERVICE_URL: 'http://users-1:8080, http://USERS-1:8080/' })).toEqual([
      'USER_SERVICE_URL: names the instance http://users-1:8080 twice: give it a ;weight=N instead',
    ]);
    expect(
      loadConfig({ USER_SERVICE_URL: 'http://users-1:8080/a, http://users-1:8080/b' }).services.user
        .instances,
    ).toHaveLength(2);
  });

  it('reads a weight written with spaces, and refuses one it cannot read rather than make it part of the path', () => {
    expect(
      loadConfig({ USER_SERVICE_URL: 'http://users-1:8080/ ; weight = 3' }).services.user.instances,
    ).toEqual([{ url: 'http://users-1:8080', weight: 3 }]);
    for (const unread of ['http://users-1:8080/;weight=1000', 'http://users-1:8080;wieght=2']) {
      expect(problemsOf({ USER_SERVICE_URL: unread })[0]).toMatch(/^USER_SERVICE_URL: /);
    }
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

  it('probes each service on the health path it is given, /health unless told', () => {
    const config = loadConfig({ ORDER_SERVICE_HEALTH_PATH: '/status/ready' });
    expect(config.services.order.healthPath).toBe('/status/ready');
    expect(config.services.user.healthPath).toBe('/health');
    expect(problemsOf({ UPSTREAM_HEALTH_PATH: 'health' })).toEqual([
      'UPSTREAM_HEALTH_PATH: must be a path starting with /',
    ]);
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

  it.each([
    'redis://:s3cret@127.0.0.1:notaport',
    'redis://127.0.0.1:99999',
    'redis:// spaced',
    'http://127.0.0.1:6379',
    'redis://127.0.0.1:6379/notadb',
    'redis://127.0.0.1:6379/1/2',
  ])('refuses the REDIS_URL %s, which ioredis could not connect with, at start', (url) => {
    expect(problemsOf({ REDIS_URL: url })).toEqual([
      'REDIS_URL: must be a redis:// or rediss:// URL, with a database number as its path if any',
    ]);
  });

  it.each(['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379/', 'rediss://:pw@cache:6380/3'])(
    'takes the REDIS_URL %s',
    (url) => {
      expect(loadConfig({ REDIS_URL: url }).redisUrl).toBe(url);
    },
  );

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

  it("refuses the repository's placeholder secrets in production", () => {
    for (const secret of [
      'REPLACE-ME-with-openssl-rand-hex-32-output',
      'compose-placeholder-secret-change-me-0123456789',
    ]) {
      expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: secret })).toEqual([
        'JWT_SECRET: must not be a placeholder from the repository in production',
      ]);
    }
  });

  it('reads a variable set to nothing as unset, never as 0', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      SHUTDOWN_GRACE_MS: '',
      CACHE_RESPONSE_TTL_S: ' ',
      CACHE_STALE_IF_ERROR_S: '',
      MOBILE_BFF_PORT: '',
    });
    expect(config).toEqual(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }));
    expect(config.shutdown.graceMs).toBe(5_000);
  });

  it('lists the rules across variables along with the variables that are wrong on their own', () => {
    expect(
      problemsOf({
        MOBILE_BFF_PORT: 'abc',
        HEADERS_TIMEOUT_MS: '60000',
        REQUEST_TIMEOUT_MS: '1000',
        TLS_CERT_FILE: '/tmp/cert.pem',
      }).sort(),
    ).toEqual([
      'HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS: the headers timeout must not exceed the request timeout',
      'MOBILE_BFF_PORT: must be a port number',
      'TLS_CERT_FILE, TLS_KEY_FILE: set both to serve HTTPS, or neither',
    ]);
  });

  it('refuses, for the launcher, ports that two of its servers would both listen on, naming each group', () => {
    expect(
      problemsOf({ MOBILE_BFF_PORT: '3001', WEB_BFF_PORT: '3001', DEMO_ORDER_PORT: '4003' }, LAUNCHER_PORTS),
    ).toEqual([
      'MOBILE_BFF_PORT, WEB_BFF_PORT: must be different ports, since one process listens on each of them',
      'DEMO_ORDER_PORT, DEMO_PREFERENCE_PORT: must be different ports, since one process listens on each of them',
    ]);
    expect(problemsOf({ WEB_BFF_PORT: '4001', REQUEST_TIMEOUT_MS: 'soon' }, LAUNCHER_PORTS)).toEqual([
      'REQUEST_TIMEOUT_MS: must be a whole number of milliseconds',
      'WEB_BFF_PORT, DEMO_USER_PORT: must be different ports, since one process listens on each of them',
    ]);
  });

  it('starts one BFF alone on a port the other BFF or a demo service is set to, which it does not listen on', () => {
    const env = { MOBILE_BFF_PORT: '3000', WEB_BFF_PORT: '3000', DEMO_USER_PORT: '3000' };
    expect(loadConfig(env, ['MOBILE_BFF_PORT']).ports.mobileBff).toBe(3000);
    expect(loadConfig(env).ports.webBff).toBe(3000);
  });

  it('reads numbers only as decimal digits: hex, exponents and Infinity are refused, not read as other values', () => {
    expect(
      problemsOf({
        MOBILE_BFF_PORT: '0x220',
        BODY_LIMIT_BYTES: '1e3',
        UPSTREAM_TIMEOUT_MS: 'Infinity',
        UPSTREAM_RETRY_BUDGET_RATIO: '0b1',
      }).sort(),
    ).toEqual([
      'BODY_LIMIT_BYTES: must be a whole number of bytes',
      'MOBILE_BFF_PORT: must be a port number',
      'UPSTREAM_RETRY_BUDGET_RATIO: must be a number from 0 to 1',
      'UPSTREAM_TIMEOUT_MS: must be a whole number of milliseconds',
    ]);
    const config = loadConfig({ MOBILE_BFF_PORT: ' 3101 ', UPSTREAM_RETRY_BUDGET_RATIO: '.5' });
    expect(config.ports.mobileBff).toBe(3101);
    expect(config.services.user.retry.budgetRatio).toBe(0.5);
  });

  it('refuses two pass-through routes of one app for one method and prefix, which could not both be routed', () => {
    const route = { app: 'web', prefix: '/web/api/users/', service: 'user', upstreamPrefix: '/users/' };
    expect(
      problemsOf({ PASS_THROUGH_ROUTES: JSON.stringify([route, { ...route, methods: ['POST', 'GET'] }]) }),
    ).toEqual(['PASS_THROUGH_ROUTES: entry 2: web already routes GET /web/api/users/ (entry 1)']);
    expect(
      loadConfig({ PASS_THROUGH_ROUTES: JSON.stringify([route, { ...route, app: 'mobile' }]) }).passThrough,
    ).toHaveLength(2);
  });

  it("refuses a pass-through route under /docs/, which the documentation page's files hold", () => {
    const route = { app: 'mobile', prefix: '/docs/', service: 'user' };
    expect(problemsOf({ PASS_THROUGH_ROUTES: JSON.stringify([route]) })).toEqual([
      'PASS_THROUGH_ROUTES: entry 1: prefix must not be under /docs/, where the documentation page serves its files',
    ]);
  });

  it.each([
    ['web', '/admin/', 'prefix must not be under /admin/, whose routes need the admin role'],
    ['mobile', '/admin/cache/', 'prefix must not be under /admin/, whose routes need the admin role'],
    ['web', '/health/', 'prefix must not be under /health/, where probes are answered without credentials'],
    ['mobile', '/metrics/', 'prefix must not be under /metrics/, where Prometheus scrapes'],
    ['web', '/docs-json/', 'prefix must not be under /docs-json/, where the OpenAPI document is served'],
    ['web', '/web/', "prefix must not be /web/, which holds the web app's own routes"],
    ['mobile', '/mobile/', "prefix must not be /mobile/, which holds the mobile app's own routes"],
  ])(
    "refuses a %s pass-through route at %s, which would take over the gateway's own paths",
    (app, prefix, rule) => {
      expect(
        problemsOf({ PASS_THROUGH_ROUTES: JSON.stringify([{ app, prefix, service: 'order' }]) }),
      ).toEqual([`PASS_THROUGH_ROUTES: entry 1: ${rule}`]);
    },
  );

  it.each([
    ['web', '//admin/'],
    ['web', '/web//'],
    ['mobile', '/mobile/api//orders/'],
    ['mobile', '/'],
    ['web', '/web/./'],
  ])('refuses the %s pass-through prefix %s, which the router would read as another path', (app, prefix) => {
    expect(problemsOf({ PASS_THROUGH_ROUTES: JSON.stringify([{ app, prefix, service: 'order' }]) })).toEqual([
      'PASS_THROUGH_ROUTES: entry 1: prefix must be one or more path segments (letters, digits, _ or -), each ending with /',
    ]);
  });

  it('refuses an upstream prefix with an empty segment, and takes the service root', () => {
    const route = { app: 'web', prefix: '/web/api/', service: 'user' };
    expect(
      problemsOf({ PASS_THROUGH_ROUTES: JSON.stringify([{ ...route, upstreamPrefix: '/users//' }]) }),
    ).toEqual([
      'PASS_THROUGH_ROUTES: entry 1: upstreamPrefix must be / or path segments (letters, digits, _ or -), each ending with /',
    ]);
    expect(
      loadConfig({ PASS_THROUGH_ROUTES: JSON.stringify([{ ...route, upstreamPrefix: '/' }]) }).passThrough,
    ).toHaveLength(1);
  });

  it("relays under an app's own root, and under the other app's", () => {
    const routes = [
      { app: 'web', prefix: '/web/api/users/', service: 'user' },
      { app: 'mobile', prefix: '/mobile/api/orders/', service: 'order' },
      { app: 'mobile', prefix: '/web/', service: 'order' },
      { app: 'web', prefix: '/administration/', service: 'user' },
    ];
    expect(loadConfig({ PASS_THROUGH_ROUTES: JSON.stringify(routes) }).passThrough).toHaveLength(4);
  });

  it.each([
    'https://app.example.com/',
    'HTTPS://App.example.com',
    'https://*.example.com',
    'https://app.example.com:443',
    'https://app.example.com/path',
  ])('refuses the CORS origin %s, which no browser would ever send', (origin) => {
    expect(problemsOf({ CORS_ORIGINS: origin })).toEqual([expect.stringMatching(/^CORS_ORIGINS: /)]);
  });

  it('takes exact origins, or * alone', () => {
    expect(
      loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).http.corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(loadConfig({ CORS_ORIGINS: '*' }).http.corsOrigins).toEqual(['*']);
    expect(problemsOf({ CORS_ORIGINS: '*,https://a.example.com' })).toEqual([
      'CORS_ORIGINS: must be * alone, or a list of origins: * among origins would allow every origin',
    ]);
  });

  it('does not repeat a wrong variable in a rule across variables, read at its default', () => {
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(3000) })).toEqual([
      'JWT_SECRET: must be at most 2048 characters',
    ]);
  });

  it('bounds slow clients and header size by default, and lets each bound be set', () => {
    expect(loadConfig({}).http).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 72_000,
      maxHeaderBytes: 16_384,
    });
    expect(
      loadConfig({
        HEADERS_TIMEOUT_MS: '300',
        REQUEST_TIMEOUT_MS: '600',
        KEEP_ALIVE_TIMEOUT_MS: '5000',
        MAX_HEADER_BYTES: '8192',
      }).http,
    ).toMatchObject({
      headersTimeoutMs: 300,
      requestTimeoutMs: 600,
      keepAliveTimeoutMs: 5000,
      maxHeaderBytes: 8192,
    });
  });

  it('leases 64 units of rate limit ahead by default, none when set to 0, and refuses a negative lease', () => {
    expect(loadConfig({}).throttle.leaseUnits).toBe(64);
    expect(loadConfig({ THROTTLE_LEASE_UNITS: '0' }).throttle.leaseUnits).toBe(0);
    expect(() => loadConfig({ THROTTLE_LEASE_UNITS: '-1' })).toThrow(/THROTTLE_LEASE_UNITS/);
  });

  it('refuses a headers timeout longer than the request timeout, which Node would not start with', () => {
    expect(problemsOf({ HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' })).toEqual([
      'HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS: the headers timeout must not exceed the request timeout',
    ]);
  });

  it('limits admin routes to the listed addresses and ranges, and to none by default', () => {
    expect(loadConfig({}).admin.allowedIps).toEqual([]);
    expect(
      loadConfig({ ADMIN_ALLOWED_IPS: '10.0.0.0/8, 192.168.1.10,2001:db8::/32' }).admin.allowedIps,
    ).toEqual(['10.0.0.0/8', '192.168.1.10', '2001:db8::/32']);
    expect(problemsOf({ ADMIN_ALLOWED_IPS: '10.0.0.0/33' })).toEqual([
      'ADMIN_ALLOWED_IPS: must be a comma-separated list of IP addresses or CIDR ranges',
    ]);
  });

  it('serves HTTPS only with both a certificate and a key', () => {
    expect(problemsOf({ TLS_CERT_FILE: '/etc/tls/cert.pem' })).toEqual([
      'TLS_CERT_FILE, TLS_KEY_FILE: set both to serve HTTPS, or neither',
    ]);
    // Both are read at start; test/tls.e2e-spec.ts serves with real ones.
    expect(problemsOf({ TLS_CERT_FILE: '/no/c.pem', TLS_KEY_FILE: '/no/k.pem' })).toEqual([
      'TLS_CERT_FILE: cannot be read',
      'TLS_KEY_FILE: cannot be read',
    ]);
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

  it.each([
    ['an RSA', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'pkcs8'],
    ['a PKCS#1 RSA', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'pkcs1'],
    ['a P-256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'sec1'],
  ] as const)(
    'refuses %s private key, whose public half would verify, and says to keep it out',
    (_label, key, type) => {
      const pem = key.export({ type, format: 'pem' }).toString();

      expect(problemsOf({ JWT_PUBLIC_KEY: pem })).toEqual([
        'JWT_PUBLIC_KEY: is a private key: give the public key, and keep the private key, which signs tokens, out of the gateway',
      ]);
      expect(problemsOf({ JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n') })[0]).toMatch(/is a private key/);
    },
  );

  it('refuses an RSA public key under 2048 bits, which could be factored and any token forged', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();

    expect(problemsOf({ JWT_PUBLIC_KEY: weak })).toEqual([
      'JWT_PUBLIC_KEY: must be an RSA key of at least 2048 bits',
    ]);
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

  it('takes a JWKS URL with the query an identity provider asks for, and refuses one with credentials fetch would not send', () => {
    const azure =
      'https://login.microsoftonline.com/common/discovery/v2.0/keys?appid=6731de76-14a6-49ae-97bc-6eba6914391e';
    expect(loadConfig({ JWT_JWKS_URL: azure }).auth.key).toMatchObject({ kind: 'jwks', url: azure });

    const problems = problemsOf({ JWT_JWKS_URL: 'https://client:TopSecretPw@idp.example.com/jwks.json' });
    expect(problems[0]).toBe('JWT_JWKS_URL: must be an http(s) URL without credentials or fragment');
    expect(problems.join('\n')).not.toContain('TopSecretPw');
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

const ACME_HASH = hashApiKey('acme-7f3b9c1d2e4a5b6c7d8e9f0a1b2c3d4e');
const GLOBEX_HASH = hashApiKey('globex-0a1b2c3d4e5f60718293a4b5c6d7e8f9');

function apiKeys(...entries: unknown[]): string {
  return JSON.stringify(entries);
}

describe(`${loadConfig.name} with API_KEYS and THROTTLE_TIERS`, () => {
  it('has no API keys and the three standard tiers when neither is set', () => {
    const config = loadConfig({});

    expect(config.apiKeys).toEqual([]);
    expect(config.throttleTiers).toEqual({
      'mobile-app': { burst: 100, sustained: 6000 },
      'web-app': { burst: 100, sustained: 6000 },
      partner: { burst: 10, sustained: 300 },
    });
    expect(loadConfig({ API_KEYS: ' ', THROTTLE_TIERS: '' }).apiKeys).toEqual([]);
  });

  it('reads each consumer with its hash as 32 bytes, defaulting to no roles and the partner tier', () => {
    const config = loadConfig({
      API_KEYS: apiKeys(
        { name: 'partner-acme', keyHash: ACME_HASH, roles: ['partner', 'orders:read'], tier: 'partner' },
        { name: 'web-app', keyHash: GLOBEX_HASH },
      ),
    });

    expect(config.apiKeys).toEqual([
      {
        name: 'partner-acme',
        keyHash: Buffer.from(ACME_HASH.slice('sha256:'.length), 'hex'),
        roles: ['partner', 'orders:read'],
        tier: 'partner',
      },
      {
        name: 'web-app',
        keyHash: Buffer.from(GLOBEX_HASH.slice('sha256:'.length), 'hex'),
        roles: [],
        tier: 'partner',
      },
    ]);
    expect(config.apiKeys[0].keyHash).toHaveLength(32);
  });

  it('reads tiers of its own and lets consumers name them', () => {
    const config = loadConfig({
      THROTTLE_TIERS: JSON.stringify({
        gold: { burst: 50, sustained: 3000 },
        bronze: { burst: 1, sustained: 1 },
      }),
      API_KEYS: apiKeys({ name: 'partner-acme', keyHash: ACME_HASH, tier: 'gold' }),
    });

    expect(config.throttleTiers).toEqual({
      gold: { burst: 50, sustained: 3000 },
      bronze: { burst: 1, sustained: 1 },
    });
    expect(config.apiKeys[0].tier).toBe('gold');
  });

  const acme = { name: 'partner-acme', keyHash: ACME_HASH };

  it.each([
    [
      'text that is not JSON',
      `[{"name": "partner-acme", "keyHash": "${ACME_HASH}"`,
      'must be a JSON array of {"name", "keyHash", "roles", "tier"} objects',
    ],
    [
      'JSON that is not an array',
      JSON.stringify(acme),
      'must be a JSON array of {"name", "keyHash", "roles", "tier"} objects',
    ],
    [
      'an entry that is not an object',
      apiKeys(acme, ACME_HASH),
      'entry 2 must be an object with name, keyHash, roles and tier',
    ],
    [
      'an entry without a name',
      apiKeys({ keyHash: ACME_HASH }),
      'entry 1 needs name as 1 to 63 lowercase letters, digits or dashes, starting with a letter or digit',
    ],
    [
      'a name with capitals',
      apiKeys({ ...acme, name: 'Partner-Acme' }),
      'entry 1 needs name as 1 to 63 lowercase letters, digits or dashes, starting with a letter or digit',
    ],
    [
      'a name of 64 characters',
      apiKeys({ ...acme, name: 'p'.repeat(64) }),
      'entry 1 needs name as 1 to 63 lowercase letters, digits or dashes, starting with a letter or digit',
    ],
    [
      'a name used twice',
      apiKeys(acme, { name: 'partner-acme', keyHash: GLOBEX_HASH }),
      'entry 2 (name partner-acme) repeats the name of entry 1',
    ],
    [
      'a keyHash without its sha256: prefix',
      apiKeys(acme, { name: 'partner-b', keyHash: GLOBEX_HASH.slice(7) }),
      'entry 2 (name partner-b) needs keyHash as sha256:<64 lowercase hex digits>',
    ],
    [
      'a keyHash in capitals',
      apiKeys({ ...acme, keyHash: `sha256:${ACME_HASH.slice(7).toUpperCase()}` }),
      'entry 1 (name partner-acme) needs keyHash as sha256:<64 lowercase hex digits>',
    ],
    [
      'a keyHash one digit short',
      apiKeys({ ...acme, keyHash: ACME_HASH.slice(0, -1) }),
      'entry 1 (name partner-acme) needs keyHash as sha256:<64 lowercase hex digits>',
    ],
    [
      'a raw key where the hash belongs',
      apiKeys({ ...acme, keyHash: 'acme-7f3b9c1d2e4a5b6c7d8e9f0a1b2c3d4e' }),
      'entry 1 (name partner-acme) needs keyHash as sha256:<64 lowercase hex digits>',
    ],
    [
      'the hash of an empty key',
      apiKeys({
        ...acme,
        keyHash: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      }),
      'entry 1 (name partner-acme) has the keyHash of an empty key',
    ],
    [
      'a keyHash used twice',
      apiKeys(acme, { name: 'partner-b', keyHash: ACME_HASH }),
      'entry 2 (name partner-b) repeats the keyHash of entry 1',
    ],
    [
      'roles that are not a list',
      apiKeys({ ...acme, roles: 'admin' }),
      'entry 1 (name partner-acme) needs roles as a list of at most 32 roles, each 1 to 64 letters, digits or _ . : - starting with a letter or digit',
    ],
    [
      'a role with a space',
      apiKeys({ ...acme, roles: ['admin '] }),
      'entry 1 (name partner-acme) needs roles as a list of at most 32 roles, each 1 to 64 letters, digits or _ . : - starting with a letter or digit',
    ],
    [
      'a tier that is no tier name',
      apiKeys({ ...acme, tier: 'Gold Tier' }),
      'entry 1 (name partner-acme) needs tier as 1 to 63 lowercase letters, digits or dashes, starting with a letter or digit',
    ],
    [
      'a tier THROTTLE_TIERS does not define',
      apiKeys({ ...acme, tier: 'gold' }),
      'entry 1 (name partner-acme) needs tier as one of THROTTLE_TIERS: mobile-app, web-app, partner',
    ],
    [
      'a tier only Object.prototype has',
      apiKeys({ ...acme, tier: 'constructor' }),
      'entry 1 (name partner-acme) needs tier as one of THROTTLE_TIERS: mobile-app, web-app, partner',
    ],
    [
      'a field that is not part of an entry',
      apiKeys({ ...acme, key: 'acme-7f3b9c1d2e4a5b6c7d8e9f0a1b2c3d4e' }),
      'entry 1 (name partner-acme) has fields other than name, keyHash, roles and tier',
    ],
    [
      'several faults in one entry',
      apiKeys({ name: 'partner-acme', keyHash: 'nope', roles: [1] }),
      'entry 1 (name partner-acme) needs keyHash as sha256:<64 lowercase hex digits> and needs roles as a list of at most 32 roles, each 1 to 64 letters, digits or _ . : - starting with a letter or digit',
    ],
    [
      'faults in several entries',
      apiKeys({ name: 'a', keyHash: 'nope' }, acme, { name: 'c', keyHash: ACME_HASH }),
      'entry 1 (name a) needs keyHash as sha256:<64 lowercase hex digits>; entry 3 (name c) repeats the keyHash of entry 2',
    ],
  ])('refuses API_KEYS with %s in one line that names the rule', (_label, value, rule) => {
    const problems = problemsOf({ API_KEYS: value });

    expect(problems).toEqual([`API_KEYS: ${rule}`]);
    expect(problems[0]).not.toContain(ACME_HASH.slice('sha256:'.length));
    expect(problems[0]).not.toContain(GLOBEX_HASH.slice('sha256:'.length));
    expect(problems[0]).not.toContain('acme-7f3b9c1d2e4a5b6c7d8e9f0a1b2c3d4e');
  });

  it.each([
    [
      'text that is not JSON',
      '{"partner": {"burst": 10',
      'must be a JSON object such as {"partner": {"burst": 10, "sustained": 300}}',
    ],
    [
      'a list',
      '[{"burst": 10, "sustained": 300}]',
      'must be a JSON object such as {"partner": {"burst": 10, "sustained": 300}}',
    ],
    ['no tiers', '{}', 'must name at least one tier'],
    [
      'a tier name with capitals',
      '{"Gold": {"burst": 10, "sustained": 300}}',
      'has a tier name that is not 1 to 63 lowercase letters, digits or dashes, starting with a letter or digit',
    ],
    ['a tier that is not an object', '{"gold": 10}', 'tier gold must be an object with burst and sustained'],
    [
      'a burst of 0',
      '{"gold": {"burst": 0, "sustained": 300}}',
      'tier gold needs burst as a whole number of requests per burst window (THROTTLE_BURST_WINDOW_MS), at least 1',
    ],
    [
      'a fractional sustained rate',
      '{"gold": {"burst": 10, "sustained": 2.5}}',
      'tier gold needs sustained as a whole number of requests per sustained window (THROTTLE_SUSTAINED_WINDOW_MS), at least 1',
    ],
    [
      'a rate given as text',
      '{"gold": {"burst": "10", "sustained": 300}}',
      'tier gold needs burst as a whole number of requests per burst window (THROTTLE_BURST_WINDOW_MS), at least 1',
    ],
    [
      'a missing rate',
      '{"gold": {"burst": 10}}',
      'tier gold needs sustained as a whole number of requests per sustained window (THROTTLE_SUSTAINED_WINDOW_MS), at least 1',
    ],
    [
      'an unknown field',
      '{"gold": {"burst": 10, "sustained": 300, "daily": 1}}',
      'tier gold has fields other than burst and sustained',
    ],
    [
      'faults in several tiers',
      '{"gold": {"burst": -1, "sustained": 300}, "silver": {"burst": 1}}',
      'tier gold needs burst as a whole number of requests per burst window (THROTTLE_BURST_WINDOW_MS), at least 1; tier silver needs sustained as a whole number of requests per sustained window (THROTTLE_SUSTAINED_WINDOW_MS), at least 1',
    ],
  ])('refuses THROTTLE_TIERS with %s in one line that names the rule', (_label, value, rule) => {
    expect(problemsOf({ THROTTLE_TIERS: value })).toEqual([`THROTTLE_TIERS: ${rule}`]);
  });

  it('reports bad API_KEYS and bad THROTTLE_TIERS together, with the other variables', () => {
    const problems = problemsOf({
      API_KEYS: apiKeys({ name: 'partner-acme', keyHash: 'nope' }),
      THROTTLE_TIERS: '{}',
      MOBILE_BFF_PORT: 'seventy',
    });

    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual([
      'API_KEYS',
      'MOBILE_BFF_PORT',
      'THROTTLE_TIERS',
    ]);
  });
});

describe(loadDemoServicesConfig.name, () => {
  it('starts the demo services in production without any of the gateway settings', () => {
    expect(
      loadDemoServicesConfig({
        NODE_ENV: 'production',
        HOST: '0.0.0.0',
        DEMO_ORDER_PORT: '4102',
        DEMO_USER_DOWN: 'yes',
      }),
    ).toMatchObject({
      host: '0.0.0.0',
      demo: { ports: { user: 4001, order: 4102, preference: 4003 }, faults: { user: { down: true } } },
    });
  });

  it('names a wrong setting of its own', () => {
    expect(() => loadDemoServicesConfig({ DEMO_USER_PORT: 'x' })).toThrow(/DEMO_USER_PORT/);
  });

  it('refuses two demo services on one port, where the second could not listen', () => {
    expect(() => loadDemoServicesConfig({ DEMO_USER_PORT: '4003' })).toThrow(
      'DEMO_USER_PORT, DEMO_PREFERENCE_PORT: must be different ports, since one process listens on each of them',
    );
  });
});
