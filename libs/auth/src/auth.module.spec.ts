import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigModule, hashApiKey, loadConfig } from '@app/config';
import { MetricsModule } from '@app/observability';
import { ProblemError } from '@app/problem';
import {
  Catch,
  Controller,
  Get,
  type ArgumentsHost,
  type ExceptionFilter,
  type LoggerService,
} from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { FastifyReply } from 'fastify';
import jwt from 'jsonwebtoken';
import { AuthModule, CurrentCaller, CurrentUser, Public, Roles, type Caller } from './index.js';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'bff';
const SECRET = 'x'.repeat(40);

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function publicPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: 'user-1',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
    ...overrides,
  };
}

function hs256(payload: Record<string, unknown> = claims(), secret: string = SECRET): string {
  return jwt.sign(payload, secret, { algorithm: 'HS256' });
}

function signed(
  algorithm: 'RS256' | 'ES256',
  privateKey: KeyObject,
  payload: Record<string, unknown> = claims(),
  keyid?: string,
): string {
  return jwt.sign(payload, privateKey, keyid === undefined ? { algorithm } : { algorithm, keyid });
}

/** HMAC by hand, the way an attacker forges a token against a gateway that would accept any algorithm. */
function forgedHs256(secret: string, header: Record<string, unknown> = {}): string {
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT', ...header })}.${base64url(claims())}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

@Controller()
class ProbeController {
  @Get('me')
  me(@CurrentCaller() caller: Caller): Caller {
    return caller;
  }

  @Get('mine')
  mine(@CurrentUser() user: Caller): Caller {
    return user;
  }

  @Public()
  @Get('open')
  open(): { open: true } {
    return { open: true };
  }

  @Roles('admin')
  @Get('admin')
  admin(): { admin: true } {
    return { admin: true };
  }

  @Roles('admin', 'ops')
  @Get('ops')
  ops(): { ops: true } {
    return { ops: true };
  }
}

/** Stands in for the http lib's problem+json filter: enough to see status, kind, detail and headers. */
@Catch(ProblemError)
class ProblemProbeFilter implements ExceptionFilter {
  catch(problem: ProblemError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply
      .status(problem.status)
      .headers(problem.headers ?? {})
      .send({ status: problem.status, kind: problem.kind, detail: problem.detail });
  }
}

interface Answer {
  status: number;
  body: unknown;
  challenge: string | undefined;
}

async function startApp(
  env: Record<string, string>,
  logger: LoggerService | false = false,
): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(loadConfig({ NODE_ENV: 'test', ...env })), MetricsModule, AuthModule],
    controllers: [ProbeController],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger });
  app.useGlobalFilters(new ProblemProbeFilter());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

async function get(app: NestFastifyApplication, url: string, authorization?: string): Promise<Answer> {
  return send(app, url, authorization === undefined ? {} : { authorization });
}

async function send(
  app: NestFastifyApplication,
  url: string,
  headers: Record<string, string>,
): Promise<Answer> {
  const response = await app.inject({ method: 'GET', url, headers });
  const challenge = response.headers['www-authenticate'];
  return {
    status: response.statusCode,
    body: response.json(),
    challenge: typeof challenge === 'string' ? challenge : undefined,
  };
}

function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** The whole answer a refused token gets: status, problem and challenge. */
function unauthorized(detail: string, description: string): Answer {
  return {
    status: 401,
    body: { status: 401, kind: 'unauthorized', detail },
    challenge: `Bearer realm="bff-gateway", error="invalid_token", error_description="${description}"`,
  };
}

const MISSING_TOKEN = unauthorized('The request carries no Bearer access token', 'missing bearer token');
const MALFORMED = unauthorized('The access token is malformed', 'malformed token');
const ALGORITHM_NOT_ALLOWED = unauthorized(
  'The access token is signed with an algorithm this service does not accept',
  'algorithm not allowed',
);
const BAD_SIGNATURE = unauthorized('The access token signature is invalid', 'invalid signature');
const TOO_LARGE = unauthorized('The access token is too large', 'token too large');
const UNKNOWN_KEY = unauthorized('The access token is signed with an unknown key', 'unknown signing key');
/** A gateway that holds no signing key yet, or may not ask for one yet, cannot tell a good token from a bad one: the client is told to retry. */
const CANNOT_VERIFY_YET = {
  status: 503,
  body: { status: 503, detail: 'Access tokens cannot be verified right now; retry shortly.' },
};

type JwksMode = 'ok' | 'unavailable' | 'reset' | 'hang' | 'trickle' | 'garbage' | 'empty';

/** A real JWKS endpoint on 127.0.0.1:0 with the faults an identity provider shows in practice. */
class JwksServer {
  requests = 0;
  mode: JwksMode = 'ok';
  private readonly server: Server;

  private constructor(public keys: Record<string, unknown>[]) {
    this.server = createServer((request, response) => this.answer(request, response));
  }

  static async start(keys: Record<string, unknown>[]): Promise<JwksServer> {
    const jwks = new JwksServer(keys);
    await new Promise<void>((resolve) => jwks.server.listen(0, '127.0.0.1', resolve));
    return jwks;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  async stop(): Promise<void> {
    // Hanging requests would keep close() waiting forever.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    this.requests += 1;
    switch (this.mode) {
      case 'ok':
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys: this.keys }));
        return;
      case 'unavailable':
        response.statusCode = 503;
        response.end('maintenance');
        return;
      case 'reset':
        request.socket.destroy();
        return;
      case 'hang':
        // Headers never come: only the store's own fetch timeout ends this.
        return;
      case 'trickle': {
        // A byte now and then keeps a socket idle timeout from ever firing; only a deadline on the whole fetch ends this.
        response.setHeader('content-type', 'application/json');
        response.write('{"keys": [');
        const drip = setInterval(() => response.write(' '), 200);
        response.on('close', () => clearInterval(drip));
        return;
      }
      case 'garbage':
        response.setHeader('content-type', 'application/json');
        response.end('<html>definitely not a key set');
        return;
      case 'empty':
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys: [] }));
        return;
    }
  }
}

function jwk(key: KeyObject, kid: string, alg: 'RS256' | 'ES256'): Record<string, unknown> {
  return { ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

/** A port that was free a moment ago and has nothing listening on it now. */
async function closedPortUrl(): Promise<string> {
  const jwks = await JwksServer.start([]);
  const url = jwks.url;
  await jwks.stop();
  return url;
}

describe('AuthModule with a shared secret (HS256)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApp({ JWT_SECRET: SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
  });

  afterAll(async () => {
    await app.close();
  });

  it('lets a valid token through and hands the route the caller named by sub', async () => {
    const answer = await get(app, '/me', bearer(hs256()));

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ kind: 'user', id: 'user-1', roles: [] });
  });

  it('accepts the scheme in any letter case, as RFC 9110 says schemes are case-insensitive', async () => {
    const answer = await get(app, '/me', `bearer ${hs256()}`);

    expect(answer.status).toBe(200);
  });

  it('refuses a request without an Authorization header', async () => {
    expect(await get(app, '/me')).toEqual(MISSING_TOKEN);
  });

  it('refuses credentials that are not a Bearer token', async () => {
    const answer = await get(app, '/me', `Basic ${Buffer.from('user:password').toString('base64')}`);

    expect(answer).toEqual(MISSING_TOKEN);
  });

  it('refuses a Bearer header that carries no token', async () => {
    expect(await get(app, '/me', 'Bearer ')).toEqual(MISSING_TOKEN);
  });

  it('refuses a token that is not a JWT', async () => {
    expect(await get(app, '/me', bearer('not-a-jwt'))).toEqual(MALFORMED);
  });

  it('refuses a token whose header is not JSON', async () => {
    const token = `${Buffer.from('{oops').toString('base64url')}.${base64url(claims())}.c2ln`;

    expect(await get(app, '/me', bearer(token))).toEqual(MALFORMED);
  });

  it('refuses a correctly signed token whose payload is not JSON', async () => {
    const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from('{oops').toString('base64url')}`;
    const token = `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;

    expect(await get(app, '/me', bearer(token))).toEqual(MALFORMED);
  });

  it.each([
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"user-1"'],
    ['a list', '[]'],
  ])(
    'refuses a correctly signed token whose payload is %s, without failing the request',
    async (_label, payload) => {
      const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from(payload).toString('base64url')}`;
      const token = `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;

      expect(await get(app, '/me', bearer(token))).toEqual(MALFORMED);
    },
  );

  it('refuses an unsigned token (alg "none")', async () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`;

    expect(await get(app, '/me', bearer(token))).toEqual(ALGORITHM_NOT_ALLOWED);
  });

  it('calls a token with an empty signature malformed, not signed with a refused algorithm', async () => {
    const [header, payload] = hs256().split('.');

    expect(await get(app, '/me', bearer(`${header}.${payload}.`))).toEqual(MALFORMED);
  });

  it('refuses an expired token', async () => {
    const token = hs256(claims({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }));

    expect(await get(app, '/me', bearer(token))).toEqual(
      unauthorized('The access token has expired', 'token expired'),
    );
  });

  it('refuses a token that is not valid yet', async () => {
    const token = hs256(claims({ nbf: nowSeconds() + 3600, exp: nowSeconds() + 7200 }));

    expect(await get(app, '/me', bearer(token))).toEqual(
      unauthorized('The access token is not valid yet', 'token not yet valid'),
    );
  });

  it('refuses a token that never expires', async () => {
    const payload = claims();
    delete payload.exp;

    expect(await get(app, '/me', bearer(hs256(payload)))).toEqual(
      unauthorized('The access token has no expiry time', 'token without expiry'),
    );
  });

  it('refuses a token from another issuer', async () => {
    const token = hs256(claims({ iss: 'https://elsewhere.test' }));

    expect(await get(app, '/me', bearer(token))).toEqual(
      unauthorized('The access token comes from an issuer this service does not trust', 'wrong issuer'),
    );
  });

  it('refuses a token meant for another audience', async () => {
    const token = hs256(claims({ aud: 'another-service' }));

    expect(await get(app, '/me', bearer(token))).toEqual(
      unauthorized('The access token is not meant for this service', 'wrong audience'),
    );
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = hs256().split('.');
    const tampered = `${header}.${base64url(claims({ sub: 'someone-else', roles: ['admin'] }))}.${signature}`;

    expect(await get(app, '/me', bearer(tampered))).toEqual(BAD_SIGNATURE);
  });

  it('refuses a token signed with another secret', async () => {
    expect(await get(app, '/me', bearer(hs256(claims(), 'y'.repeat(40))))).toEqual(BAD_SIGNATURE);
  });

  it('refuses an RS256 token when only the shared secret is configured', async () => {
    expect(await get(app, '/me', bearer(signed('RS256', rsa.privateKey)))).toEqual(ALGORITHM_NOT_ALLOWED);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['with a space', 'user 1'],
    ['with a slash', '../admin'],
    ['with non-ASCII letters', 'usér'],
    ['longer than 128 characters', 'u'.repeat(129)],
    ['a number', 42],
  ])('refuses a token whose sub is %s', async (_label, sub) => {
    const payload = claims({ sub });
    if (sub === undefined) {
      delete payload.sub;
    }

    expect(await get(app, '/me', bearer(hs256(payload)))).toEqual(
      unauthorized('The access token has no valid subject', 'invalid subject'),
    );
  });

  it('accepts a sub of exactly 128 allowed characters', async () => {
    const sub = `auth0:${'a'.repeat(122)}`;
    const answer = await get(app, '/me', bearer(hs256(claims({ sub }))));

    expect(answer.body).toMatchObject({ id: sub });
  });

  it('accepts a token of up to 8 KiB and refuses the next larger one', async () => {
    const padded = (length: number): string => hs256(claims({ padding: 'p'.repeat(length) }));
    let padding = 5_000;
    while (padded(padding + 1).length <= 8 * 1024) {
      padding += 1;
    }

    expect(padded(padding).length).toBeGreaterThan(8 * 1024 - 3);
    expect((await get(app, '/me', bearer(padded(padding)))).status).toBe(200);
    expect(await get(app, '/me', bearer(padded(padding + 1)))).toEqual(TOO_LARGE);
  });

  it('refuses a token over 8 KiB before verifying it', async () => {
    const token = hs256(claims({ padding: 'p'.repeat(8 * 1024) }));

    expect(await get(app, '/me', bearer(token))).toEqual(TOO_LARGE);
  });

  it('refuses an oversized Authorization header that is not a Bearer token without parsing it', async () => {
    expect(await get(app, '/me', 'x'.repeat(12 * 1024))).toEqual(MISSING_TOKEN);
  });

  it('never echoes the token in the problem', async () => {
    const token = hs256(claims({ exp: nowSeconds() - 3600 }));
    const answer = await get(app, '/me', bearer(token));

    expect(JSON.stringify(answer.body)).not.toContain(token.split('.')[1]);
    expect(answer.challenge).not.toContain(token.split('.')[1]);
  });

  it('serves a public route without a token', async () => {
    const answer = await get(app, '/open');

    expect(answer).toMatchObject({ status: 200, body: { open: true } });
  });

  it('serves a public route even when the request carries a bad token', async () => {
    const answer = await get(app, '/open', bearer('not-a-jwt'));

    expect(answer.status).toBe(200);
  });

  it('reads roles from a list of strings', async () => {
    const answer = await get(app, '/me', bearer(hs256(claims({ roles: ['admin', 'ops'] }))));

    expect(answer.body).toEqual({ kind: 'user', id: 'user-1', roles: ['admin', 'ops'] });
  });

  it('reads a single role given as a string', async () => {
    const answer = await get(app, '/me', bearer(hs256(claims({ roles: 'admin' }))));

    expect(answer.body).toMatchObject({ roles: ['admin'] });
  });

  it.each([
    ['a list with a non-string', ['admin', 1]],
    ['an object', { admin: true }],
    ['a number', 7],
  ])('grants no roles when the roles claim is %s', async (_label, roles) => {
    const answer = await get(app, '/me', bearer(hs256(claims({ roles }))));

    expect(answer.body).toMatchObject({ roles: [] });
  });

  it('serves an admin route to a caller with the admin role', async () => {
    const answer = await get(app, '/admin', bearer(hs256(claims({ roles: ['admin'] }))));

    expect(answer).toMatchObject({ status: 200, body: { admin: true } });
  });

  it('answers 403 on an admin route when the caller lacks the role, telling the token falls short (insufficient_scope)', async () => {
    const answer = await get(app, '/admin', bearer(hs256(claims({ roles: ['ops'] }))));

    expect(answer).toEqual({
      status: 403,
      body: { status: 403, kind: 'forbidden', detail: 'This action requires the role admin' },
      challenge: 'Bearer realm="bff-gateway", error="insufficient_scope"',
    });
  });

  it('answers 403 when the caller holds only some of the required roles', async () => {
    const answer = await get(app, '/ops', bearer(hs256(claims({ roles: ['admin'] }))));

    expect(answer).toMatchObject({ status: 403, body: { detail: 'This action requires the role ops' } });
  });

  it('answers 401, not 403, on an admin route without a token', async () => {
    const answer = await get(app, '/admin');

    expect(answer.status).toBe(401);
  });
});

const PARTNER_KEY = 'acme-7f3b9c1d2e4a5b6c7d8e9f0a1b2c3d4e';
const OTHER_PARTNER_KEY = 'globex-0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const ADMIN_KEY = 'ops-console-5e6f708192a3b4c5d6e7f8091a2b3c4d';

const API_KEYS = JSON.stringify([
  { name: 'partner-acme', keyHash: hashApiKey(PARTNER_KEY), roles: ['partner'], tier: 'partner' },
  // No roles and no tier: the defaults, no roles and the partner tier, apply.
  { name: 'partner-globex', keyHash: hashApiKey(OTHER_PARTNER_KEY) },
  { name: 'ops-console', keyHash: hashApiKey(ADMIN_KEY), roles: ['admin', 'ops'], tier: 'web-app' },
]);

function apiKey(key: string): Record<string, string> {
  return { 'X-API-Key': key };
}

const INVALID_KEY: Answer = {
  status: 401,
  body: { status: 401, kind: 'unauthorized', detail: 'The API key is not valid' },
  challenge: 'ApiKey realm="bff-gateway"',
};

describe('AuthModule with API keys', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApp({ JWT_SECRET: SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, API_KEYS });
  });

  afterAll(async () => {
    await app.close();
  });

  it('hands the route the consumer a valid key belongs to, with its roles and tier', async () => {
    const answer = await send(app, '/me', apiKey(PARTNER_KEY));

    expect(answer).toMatchObject({
      status: 200,
      body: { kind: 'consumer', id: 'partner-acme', roles: ['partner'], tier: 'partner' },
    });
  });

  it('tells consumers apart by their keys', async () => {
    const answer = await send(app, '/me', apiKey(OTHER_PARTNER_KEY));

    expect(answer.body).toEqual({ kind: 'consumer', id: 'partner-globex', roles: [], tier: 'partner' });
  });

  it('refuses a key no consumer has, with the ApiKey challenge and no hint at what is wrong', async () => {
    expect(await send(app, '/me', apiKey('acme-0000000000000000000000000000000'))).toEqual(INVALID_KEY);
  });

  it('refuses a configured key with one character changed', async () => {
    expect(await send(app, '/me', apiKey(`${PARTNER_KEY.slice(0, -1)}f`))).toEqual(INVALID_KEY);
  });

  it('refuses the configured hash sent as if it were the key, so a leaked config grants nothing', async () => {
    expect(await send(app, '/me', apiKey(hashApiKey(PARTNER_KEY)))).toEqual(INVALID_KEY);
  });

  it('refuses an empty X-API-Key header instead of falling back to other credentials', async () => {
    expect(await send(app, '/me', apiKey(''))).toEqual(INVALID_KEY);
  });

  it('refuses a key longer than 256 characters the same way as a wrong one', async () => {
    expect(await send(app, '/me', apiKey('k'.repeat(257)))).toEqual(INVALID_KEY);
    expect(await send(app, '/me', apiKey(`${PARTNER_KEY}${'k'.repeat(256)}`))).toEqual(INVALID_KEY);
  });

  it('refuses a request that carries both an API key and a Bearer token, even when both are valid', async () => {
    const answer = await send(app, '/me', { ...apiKey(PARTNER_KEY), authorization: bearer(hs256()) });

    expect(answer).toEqual({
      status: 401,
      body: {
        status: 401,
        kind: 'unauthorized',
        detail: 'The request carries both an API key and a Bearer token; send only one',
      },
      challenge: 'ApiKey realm="bff-gateway"',
    });
  });

  it('never echoes the key in the problem', async () => {
    const wrong = 'acme-1111111111111111111111111111111';
    const answer = await send(app, '/me', apiKey(wrong));

    expect(JSON.stringify(answer)).not.toContain(wrong);
  });

  it('answers 403 on an admin route to a consumer without the admin role, with no challenge: a key has no scope to widen', async () => {
    const answer = await send(app, '/admin', apiKey(PARTNER_KEY));

    expect(answer).toEqual({
      status: 403,
      body: { status: 403, kind: 'forbidden', detail: 'This action requires the role admin' },
      challenge: undefined,
    });
  });

  it('serves an admin route to a consumer with the admin role', async () => {
    expect(await send(app, '/admin', apiKey(ADMIN_KEY))).toMatchObject({
      status: 200,
      body: { admin: true },
    });
    expect(await send(app, '/ops', apiKey(ADMIN_KEY))).toMatchObject({ status: 200, body: { ops: true } });
  });

  it('serves a public route even when the request carries a wrong key', async () => {
    expect(await send(app, '/open', apiKey('wrong'))).toMatchObject({ status: 200, body: { open: true } });
  });

  it('still serves users by their Bearer token, as users without a tier', async () => {
    const answer = await get(app, '/me', bearer(hs256(claims({ roles: ['admin'] }))));

    expect(answer).toMatchObject({ status: 200, body: { kind: 'user', id: 'user-1', roles: ['admin'] } });
    expect(answer.body).not.toHaveProperty('tier');
  });

  it('offers both the Bearer and the ApiKey challenge to a request without credentials on a route that takes either', async () => {
    const challenge = `${MISSING_TOKEN.challenge}, ApiKey realm="bff-gateway"`;

    expect(await get(app, '/admin')).toEqual({ ...MISSING_TOKEN, challenge });
    expect(await get(app, '/me')).toEqual({ ...MISSING_TOKEN, challenge });
  });

  it('offers only the Bearer challenge where API keys are refused, and to a Bearer token it refused', async () => {
    expect(await get(app, '/mine')).toEqual(MISSING_TOKEN);
    expect(await get(app, '/admin', bearer('not-a-jwt'))).toEqual(MALFORMED);
  });
});

describe('AuthModule without API keys configured', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApp({ JWT_SECRET: SECRET });
  });

  afterAll(async () => {
    await app.close();
  });

  it('refuses every key', async () => {
    expect(await send(app, '/me', apiKey(PARTNER_KEY))).toEqual(INVALID_KEY);
  });
});

/** Keeps what the app logs, so a test can read the lines a refusal leaves behind: their messages, and their fields. */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  readonly fields: Record<string, unknown>[] = [];

  log(message: unknown): void {
    this.record(message);
  }
  error(message: unknown): void {
    this.record(message);
  }
  warn(message: unknown): void {
    this.record(message);
  }
  debug(message: unknown): void {
    this.record(message);
  }

  private record(message: unknown): void {
    if (typeof message === 'object' && message !== null) {
      const fields = message as Record<string, unknown>;
      this.fields.push(fields);
      this.lines.push(String(fields.msg));
    } else {
      this.lines.push(String(message));
    }
  }
}

describe('AuthModule logging API key refusals', () => {
  const logger = new RecordingLogger();
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApp({ JWT_SECRET: SECRET, API_KEYS }, logger);
  });

  afterAll(async () => {
    await app.close();
  });

  it('logs why a key was refused at debug level, but never the key', async () => {
    const wrong = 'acme-2222222222222222222222222222222';
    const tooLong = `secret-${'k'.repeat(300)}`;

    await send(app, '/me', apiKey(wrong));
    await send(app, '/me', apiKey(tooLong));
    await send(app, '/me', { ...apiKey(PARTNER_KEY), authorization: bearer(hs256()) });

    expect(logger.lines).toEqual(
      expect.arrayContaining([
        'API key refused: unknown',
        'API key refused: too-large',
        'API key refused: with-bearer-token',
      ]),
    );
    for (const key of [wrong, tooLong, PARTNER_KEY, hashApiKey(PARTNER_KEY)]) {
      expect(logger.lines.join('\n')).not.toContain(key);
      expect(JSON.stringify(logger.fields)).not.toContain(key);
    }
    // Each names the request it refused, as its access line does.
    const refusals = logger.fields.filter((fields) => String(fields.msg).startsWith('API key refused'));
    expect(refusals).toHaveLength(3);
    for (const refusal of refusals) {
      expect(refusal.requestId).toEqual(expect.any(String));
    }
  });
});

describe('AuthModule clock tolerance', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApp({ JWT_SECRET: SECRET, JWT_CLOCK_TOLERANCE_S: '30' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('accepts a token that expired within the tolerance', async () => {
    const answer = await get(app, '/me', bearer(hs256(claims({ exp: nowSeconds() - 10 }))));

    expect(answer.status).toBe(200);
  });

  it('accepts a token that becomes valid within the tolerance', async () => {
    const answer = await get(app, '/me', bearer(hs256(claims({ nbf: nowSeconds() + 10 }))));

    expect(answer.status).toBe(200);
  });

  it('refuses a token that expired longer ago than the tolerance', async () => {
    const answer = await get(app, '/me', bearer(hs256(claims({ exp: nowSeconds() - 60 }))));

    expect(answer).toEqual(unauthorized('The access token has expired', 'token expired'));
  });

  it('checks neither iss nor aud when none is configured', async () => {
    const answer = await get(app, '/me', bearer(hs256(claims({ iss: 'anyone', aud: 'anything' }))));

    expect(answer.status).toBe(200);
  });
});

describe('AuthModule with an RSA public key (RS256)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApp({
      JWT_PUBLIC_KEY: publicPem(rsa.publicKey),
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
  });

  afterAll(async () => {
    await app.close();
  });

  it('lets a token signed with the matching private key through', async () => {
    const answer = await get(app, '/me', bearer(signed('RS256', rsa.privateKey)));

    expect(answer).toMatchObject({ status: 200, body: { id: 'user-1' } });
  });

  it('refuses an HS256 token keyed with the public key PEM (algorithm confusion)', async () => {
    const answer = await get(app, '/me', bearer(forgedHs256(publicPem(rsa.publicKey))));

    expect(answer).toEqual(ALGORITHM_NOT_ALLOWED);
  });

  it('refuses an ES256 token', async () => {
    expect(await get(app, '/me', bearer(signed('ES256', ec.privateKey)))).toEqual(ALGORITHM_NOT_ALLOWED);
  });

  it('refuses a token signed with another RSA key', async () => {
    expect(await get(app, '/me', bearer(signed('RS256', otherRsa.privateKey)))).toEqual(BAD_SIGNATURE);
  });
});

describe('AuthModule with an EC P-256 public key (ES256)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApp({ JWT_PUBLIC_KEY: publicPem(ec.publicKey) });
  });

  afterAll(async () => {
    await app.close();
  });

  it('lets a token signed with the matching private key through', async () => {
    const answer = await get(app, '/me', bearer(signed('ES256', ec.privateKey)));

    expect(answer).toMatchObject({ status: 200, body: { id: 'user-1' } });
  });

  it('refuses an RS256 token', async () => {
    expect(await get(app, '/me', bearer(signed('RS256', rsa.privateKey)))).toEqual(ALGORITHM_NOT_ALLOWED);
  });

  it('calls a signature in DER, as OpenSSL writes it, rather than JOSE r||s an invalid signature', async () => {
    const unsigned = `${base64url({ alg: 'ES256', typ: 'JWT' })}.${base64url(claims())}`;
    const der = sign('sha256', Buffer.from(unsigned), ec.privateKey).toString('base64url');

    expect(await get(app, '/me', bearer(`${unsigned}.${der}`))).toEqual(BAD_SIGNATURE);
  });
});

describe('AuthModule with a JWKS endpoint', () => {
  let jwks: JwksServer;
  let app: NestFastifyApplication;

  async function startWith(keys: Record<string, unknown>[], env: Record<string, string> = {}): Promise<void> {
    jwks = await JwksServer.start(keys);
    app = await startApp({ JWT_JWKS_URL: jwks.url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, ...env });
  }

  afterEach(async () => {
    await app.close();
    await jwks.stop();
  });

  it('verifies RS256 and ES256 tokens with the key their kid names', async () => {
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256'), jwk(ec.publicKey, 'ec-1', 'ES256')]);

    expect((await get(app, '/me', bearer(signed('RS256', rsa.privateKey, claims(), 'rsa-1')))).status).toBe(
      200,
    );
    expect((await get(app, '/me', bearer(signed('ES256', ec.privateKey, claims(), 'ec-1')))).status).toBe(
      200,
    );
  });

  it('uses a JWK without alg for the algorithm its key type implies', async () => {
    const { alg: _alg, ...withoutAlg } = jwk(ec.publicKey, 'ec-1', 'ES256');
    await startWith([withoutAlg]);

    expect((await get(app, '/me', bearer(signed('ES256', ec.privateKey, claims(), 'ec-1')))).status).toBe(
      200,
    );
  });

  it('serves tokens from its cache without fetching the key set again', async () => {
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256')]);

    await get(app, '/me', bearer(signed('RS256', rsa.privateKey, claims(), 'rsa-1')));
    await get(app, '/me', bearer(signed('RS256', rsa.privateKey, claims({ sub: 'user-2' }), 'rsa-1')));

    expect(jwks.requests).toBe(1);
  });

  it('refuses an HS256 token keyed with a published public key, without fetching', async () => {
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256')]);

    const answer = await get(app, '/me', bearer(forgedHs256(publicPem(rsa.publicKey), { kid: 'rsa-1' })));

    expect(answer).toEqual(ALGORITHM_NOT_ALLOWED);
    expect(jwks.requests).toBe(1);
  });

  it('refuses an ES256 token that names an RSA key', async () => {
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256')]);

    const answer = await get(app, '/me', bearer(signed('ES256', ec.privateKey, claims(), 'rsa-1')));

    expect(answer).toEqual(ALGORITHM_NOT_ALLOWED);
  });

  it('refuses a token without kid', async () => {
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256')]);

    const answer = await get(app, '/me', bearer(signed('RS256', rsa.privateKey)));

    expect(answer).toEqual(UNKNOWN_KEY);
    expect(jwks.requests).toBe(1);
  });

  it('fetches the key set again for an unknown kid and verifies the rotated key', async () => {
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256')]);
    jwks.keys = [jwk(otherRsa.publicKey, 'rsa-2', 'RS256')];

    const answer = await get(app, '/me', bearer(signed('RS256', otherRsa.privateKey, claims(), 'rsa-2')));

    expect(answer.status).toBe(200);
    expect(jwks.requests).toBe(2);
  });

  it('stops accepting a key the endpoint no longer publishes', async () => {
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256')], { JWT_JWKS_UNKNOWN_KID_COOLDOWN_S: '1' });
    jwks.keys = [jwk(otherRsa.publicKey, 'rsa-2', 'RS256')];
    await get(app, '/me', bearer(signed('RS256', otherRsa.privateKey, claims(), 'rsa-2')));
    const withdrawn = bearer(signed('RS256', rsa.privateKey, claims(), 'rsa-1'));

    // Within the cooldown the key set is not asked again: the client is told to retry.
    expect(await get(app, '/me', withdrawn)).toMatchObject(CANNOT_VERIFY_YET);
    await sleep(1_000);

    expect(await get(app, '/me', withdrawn)).toEqual(UNKNOWN_KEY);
  });

  it('refuses at once, even within the cooldown, a token issued well before the keys held were fetched', async () => {
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256')]);
    // Anyone can send a kid nobody published: it starts the cooldown.
    await get(app, '/me', bearer(signed('RS256', otherRsa.privateKey, claims(), 'forged')));
    const issuedLongAgo = claims({ iat: nowSeconds() - 3_600, exp: nowSeconds() + 300 });

    const answer = await get(
      app,
      '/me',
      bearer(signed('RS256', otherRsa.privateKey, issuedLongAgo, 'retired')),
    );

    // Its key, published before it was signed, would be among those fetched: it was withdrawn, or never was.
    expect(answer).toEqual(UNKNOWN_KEY);
  });

  it('refuses at once a token signed with a key the endpoint lists but the gateway does not trust', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256'), jwk(weak.publicKey, 'weak-1', 'RS256')]);
    // The cooldown runs: a kid the gateway could not look up now would be told to retry.
    await get(app, '/me', bearer(signed('RS256', otherRsa.privateKey, claims(), 'forged')));

    const token = jwt.sign(claims(), weak.privateKey, {
      algorithm: 'RS256',
      keyid: 'weak-1',
      allowInsecureKeySizes: true,
    });

    const answer = await get(app, '/me', bearer(token));

    expect(answer).toEqual(UNKNOWN_KEY);
  });

  it('makes at most one fetch for a flood of unknown kids within the cooldown, and tells the late ones to retry', async () => {
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256')]);

    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        get(app, '/me', bearer(signed('RS256', otherRsa.privateKey, claims(), `forged-${index}`))),
      ),
    );
    const late = await app.inject({
      method: 'GET',
      url: '/me',
      headers: { authorization: bearer(signed('RS256', otherRsa.privateKey, claims(), 'forged-late')) },
    });

    // Those that shared the fetch were looked up; one may have come in after it ended.
    expect(answers[0]).toEqual(UNKNOWN_KEY);
    expect(answers.every((answer) => answer.status === 401 || answer.status === 503)).toBe(true);
    expect(late.statusCode).toBe(503);
    expect(Number(late.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    expect(jwks.requests).toBe(2);
  });

  it('answers a key published during the cooldown with a 503 to retry, then verifies it once the cooldown ends', async () => {
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256')], { JWT_JWKS_UNKNOWN_KID_COOLDOWN_S: '2' });
    // Anyone can send a kid nobody published: it starts the cooldown.
    const forged = await get(app, '/me', bearer(signed('RS256', otherRsa.privateKey, claims(), 'forged')));
    expect(forged).toEqual(UNKNOWN_KEY);
    jwks.keys = [jwk(rsa.publicKey, 'rsa-1', 'RS256'), jwk(otherRsa.publicKey, 'rsa-2', 'RS256')];
    const rotated = bearer(signed('RS256', otherRsa.privateKey, claims(), 'rsa-2'));

    const during = await app.inject({ method: 'GET', url: '/me', headers: { authorization: rotated } });

    expect(during.statusCode).toBe(503);
    expect(during.json()).toMatchObject(CANNOT_VERIFY_YET.body);
    const retryAfterS = Number(during.headers['retry-after']);
    expect(retryAfterS).toBeGreaterThanOrEqual(1);
    expect(retryAfterS).toBeLessThanOrEqual(2);
    expect(jwks.requests).toBe(2);

    await sleep(retryAfterS * 1000);

    expect((await get(app, '/me', rotated)).status).toBe(200);
    expect(jwks.requests).toBe(3);
  });

  it('refreshes the key set in the background', async () => {
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256')], { JWT_JWKS_REFRESH_INTERVAL_S: '1' });
    jwks.keys = [jwk(otherRsa.publicKey, 'rsa-2', 'RS256')];

    await vi.waitFor(() => expect(jwks.requests).toBeGreaterThanOrEqual(2), { timeout: 3_000, interval: 50 });
    const requestsBeforeToken = jwks.requests;
    const answer = await get(app, '/me', bearer(signed('RS256', otherRsa.privateKey, claims(), 'rsa-2')));

    expect(answer.status).toBe(200);
    expect(jwks.requests).toBe(requestsBeforeToken);
  });

  it('stops refreshing once the app is closed', async () => {
    await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256')], { JWT_JWKS_REFRESH_INTERVAL_S: '1' });
    await app.close();
    const requestsAtClose = jwks.requests;

    await sleep(1_500);

    expect(jwks.requests).toBe(requestsAtClose);
  });

  it.each<JwksMode>(['unavailable', 'reset', 'hang', 'trickle', 'garbage', 'empty'])(
    'keeps verifying known keys when the endpoint turns %s',
    async (mode) => {
      await startWith([jwk(rsa.publicKey, 'rsa-1', 'RS256')]);
      jwks.mode = mode;

      // An unknown kid forces a refresh against the failing endpoint.
      const unknown = await get(app, '/me', bearer(signed('RS256', otherRsa.privateKey, claims(), 'rsa-2')));
      const known = await get(app, '/me', bearer(signed('RS256', rsa.privateKey, claims(), 'rsa-1')));

      expect(jwks.requests).toBe(2);
      expect(unknown).toEqual(UNKNOWN_KEY);
      expect(known.status).toBe(200);
    },
  );
});

describe('AuthModule when the JWKS endpoint is unreachable from the start', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startApp({ JWT_JWKS_URL: await closedPortUrl() });
  });

  afterAll(async () => {
    await app.close();
  });

  it('still boots and answers 503 for every token, which it cannot verify yet', async () => {
    const answer = await get(app, '/me', bearer(signed('RS256', rsa.privateKey, claims(), 'rsa-1')));

    expect(answer).toMatchObject(CANNOT_VERIFY_YET);
  });
});

describe('AuthModule when the JWKS endpoint hangs from the start', () => {
  let jwks: JwksServer;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    jwks = await JwksServer.start([jwk(rsa.publicKey, 'rsa-1', 'RS256')]);
    jwks.mode = 'hang';
    app = await startApp({ JWT_JWKS_URL: jwks.url });
  });

  afterAll(async () => {
    await app.close();
    await jwks.stop();
  });

  // The test timeout is the assertion: the request must be cut by the store's fetch timeout, not wait for the endpoint.
  it('answers 503 within the fetch timeout instead of hanging', { timeout: 3_000 }, async () => {
    const answer = await get(app, '/me', bearer(signed('RS256', rsa.privateKey, claims(), 'rsa-1')));

    expect(answer).toMatchObject(CANNOT_VERIFY_YET);
  });
});
