import { hashApiKey } from '@app/config';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startDemoServices, type DemoServices } from '../apps/demo-services/src/demo-services.js';
import { answering, sparePort, startNodeProcess, type NodeProcess } from './support/node-process.js';
import { mintToken, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from './support/tokens.js';

/*
 * A mobile BFF as its own OS process, run from the built JavaScript with
 * every log line on (trace), handed credentials every way a client or an
 * operator can: tokens, API keys, cookies and proxy credentials in headers,
 * tokens in query strings, a password in REDIS_URL. None of them may
 * appear in what it logs, in any answer (errors, health, the admin view),
 * or in its metrics. (An upstream URL with credentials is refused at start,
 * without echoing them: libs/config.)
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = join(ROOT, 'dist', 'apps', 'mobile-bff', 'src', 'main.js');
const NO_FAULTS = { latencyMs: 0, errorRate: 0, down: false, malformed: false, hang: false };

const SECRETS = {
  adminKey: 'hygiene-admin-key-7f3a9c2e51d04b86',
  wrongKey: 'hygiene-wrong-key-0c4d2a9b7e6f1358',
  cookie: 'hygiene-cookie-5b1e8d3f9a2c7046',
  proxyCredentials: 'aHlnaWVuZS1wcm94eS1jcmVkZW50aWFscw',
  queryToken: 'hygiene-query-token-3e9f1a7c5d2b8046',
  redisPassword: 'hygiene-redis-pass-1a3c5e7f9b',
};

describe('credentials in logs, answers and metrics', () => {
  let demo: DemoServices;
  let bff: NodeProcess;
  let base: string;
  const token = mintToken({ sub: 'u1' });
  const texts: string[] = [];

  beforeAll(async () => {
    if (!existsSync(ENTRY)) {
      await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
    }
    demo = await startDemoServices({
      host: '127.0.0.1',
      ports: { user: 0, order: 0, preference: 0 },
      // A failing upstream makes the gateway log its failures too.
      faults: { user: { ...NO_FAULTS }, order: { ...NO_FAULTS, down: true }, preference: { ...NO_FAULTS } },
    });
    // Nothing listens there: the gateway logs its Redis failures, password and all if it were careless.
    const redisPort = await sparePort();
    bff = await startNodeProcess({
      name: 'mobile-bff',
      script: ENTRY,
      cwd: ROOT,
      portCount: 1,
      env: ([port]) => ({
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'trace',
        HOST: '127.0.0.1',
        MOBILE_BFF_PORT: String(port),
        JWT_SECRET: TEST_JWT_SECRET,
        JWT_ISSUER: TEST_ISSUER,
        JWT_AUDIENCE: TEST_AUDIENCE,
        USER_SERVICE_URL: demo.urls.user,
        ORDER_SERVICE_URL: demo.urls.order,
        PREFERENCE_SERVICE_URL: demo.urls.preference,
        REDIS_URL: `redis://:${SECRETS.redisPassword}@127.0.0.1:${redisPort}`,
        API_KEYS: JSON.stringify([
          { name: 'ops-robot', keyHash: hashApiKey(SECRETS.adminKey), roles: ['admin'], tier: 'partner' },
        ]),
      }),
      isReady: answering('/health/live'),
    });
    base = `http://127.0.0.1:${bff.ports[0]}`;

    const send = async (path: string, headers: Record<string, string> = {}): Promise<void> => {
      texts.push(await (await fetch(`${base}${path}`, { headers })).text());
    };
    await send(`/mobile/profile?access_token=${SECRETS.queryToken}`, {
      authorization: `Bearer ${token}`,
      cookie: `session=${SECRETS.cookie}`,
      'proxy-authorization': `Basic ${SECRETS.proxyCredentials}`,
    });
    await send('/mobile/profile', { authorization: `Bearer ${token}tampered` });
    await send(`/mobile/orders?api_key=${SECRETS.queryToken}`, { authorization: `Bearer ${token}` });
    await send(`/mobile/orders/o-1%E0?access_token=${SECRETS.queryToken}`, {
      authorization: `Bearer ${token}`,
    });
    await send(`/no/such/route?access_token=${SECRETS.queryToken}`);
    await send('/admin/services', { 'x-api-key': SECRETS.adminKey });
    await send('/admin/services', { 'x-api-key': SECRETS.wrongKey });
    await send('/admin/services', { authorization: `Bearer ${token}` });
    await send('/health');
    await send('/metrics');
  });

  afterAll(async () => {
    await bff?.stop();
    await demo?.close();
  });

  /** Every credential and any tell-tale fragment of one: a token's signature, the JWT secret itself. */
  const credentials = (): [string, string][] => [
    ...Object.entries(SECRETS),
    ['token signature', token.split('.')[2]],
    ['JWT secret', TEST_JWT_SECRET],
  ];

  it('logged the requests it served, at every level, so there was something to leak into', () => {
    const lines = bff.output().split('\n');

    expect(lines.filter((line) => line.includes('"requestId"')).length).toBeGreaterThanOrEqual(6);
    expect(bff.output()).toContain('"level":20');
  });

  it("writes every log line as JSON outside development, Redis's start-up failure included", () => {
    const lines = bff
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '');
    const notJson = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    expect(lines.some((line) => line.includes('"context":"RedisConnection"'))).toBe(true);
    expect(lines.some((line) => line.includes('"msg":"listening on http'))).toBe(true);
  });

  it.each(credentials())('never writes the %s to its log', (_name, secret) => {
    expect(bff.output()).not.toContain(secret);
  });

  it.each(credentials())('never puts the %s in an answer, an error, health or metrics', (_name, secret) => {
    expect(texts.join('\n')).not.toContain(secret);
  });

  it('shows operators each upstream instance without its credentials', () => {
    const admin = texts.find((text) => text.startsWith('{"services"'));

    expect(admin).toContain('"url":"http://127.0.0.1:');
  });
});
