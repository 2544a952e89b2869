import { loadConfig } from '@app/config';
import { Metrics, type RequestContext } from '@app/observability';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import jwt from 'jsonwebtoken';
import { FailedAttempts } from './failed-attempts.js';
import { InvalidTokenError } from './invalid-token.error.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { JwtStrategy } from './jwt.strategy.js';

const SECRET = 'guard-spec-secret-that-is-long-enough-for-production';
const ISSUER = 'https://idp.guard.test';
const AUDIENCE = 'bff-gateway';

describe('JwtAuthGuard', () => {
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: SECRET,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
  });
  // Registers itself with passport as 'jwt', the strategy the guard asks for.
  const strategy = new JwtStrategy(config, null);
  const guard = new JwtAuthGuard(
    new Reflector(),
    config,
    strategy,
    new FailedAttempts(config.auth.failedAttempts),
    new Metrics(),
  );

  class Routes {
    profile(this: void): void {}
  }

  function requestWith(
    authorization: string,
    ip = '192.0.2.1',
  ): {
    request: { headers: Record<string, string>; ip: string; context: RequestContext; user?: unknown };
    context: ExecutionContextHost;
  } {
    const request = { headers: { authorization }, ip, context: { requestId: 'r1' } as RequestContext };
    return {
      request,
      context: new ExecutionContextHost([request, {}, undefined], Routes, Routes.prototype.profile),
    };
  }

  const token = (sub: string): string =>
    jwt.sign({ roles: ['reader'] }, SECRET, {
      algorithm: 'HS256',
      subject: sub,
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: 300,
    });

  it('puts the verified caller on the request and names them for the access log', async () => {
    const { request, context } = requestWith(`Bearer ${token('u1')}`);

    await expect(guard.canActivate(context)).resolves.toBe(true);

    expect(request.user).toEqual({ kind: 'user', id: 'u1', roles: ['reader'], tier: undefined });
    expect(request.context.callerId).toBe('user:u1');
  });

  it('leaves the request as it was apart from the caller: passport only ever sees its Authorization header', async () => {
    const { request, context } = requestWith(`Bearer ${token('u2')}`);

    await guard.canActivate(context);

    expect(Object.keys(request).sort()).toEqual(['context', 'headers', 'ip', 'user']);
  });

  it('refuses a token signed with another secret with a 401 problem, and names nobody', async () => {
    const forged = jwt.sign({}, 'another-secret-that-is-long-enough-for-production', {
      algorithm: 'HS256',
      subject: 'u3',
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const { request, context } = requestWith(`Bearer ${forged}`);

    await expect(guard.canActivate(context)).rejects.toMatchObject({ kind: 'unauthorized' });
    expect(request.user).toBeUndefined();
    expect(request.context.callerId).toBeUndefined();
  });

  it('holds back an address after too many failed authentications, except for a token it has verified', async () => {
    const metrics = new Metrics();
    const strict = new JwtAuthGuard(
      new Reflector(),
      config,
      strategy,
      new FailedAttempts({ limit: 2, windowMs: 60_000 }),
      metrics,
    );
    const signedIn = `Bearer ${token('u3')}`;
    const known = requestWith(signedIn, '198.51.100.7');
    await expect(strict.canActivate(known.context)).resolves.toBe(true);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await expect(
        strict.canActivate(requestWith('Bearer not.a.token', '198.51.100.7').context),
      ).rejects.toMatchObject({ kind: 'unauthorized' });
    }

    // Refused before its token is read: a new token from the address is not even tried.
    expect(() => strict.canActivate(requestWith(`Bearer ${token('u4')}`, '198.51.100.7').context)).toThrow(
      expect.objectContaining({
        kind: 'too-many-requests',
        headers: expect.objectContaining({ 'retry-after': '60' }),
      }),
    );
    await expect(strict.canActivate(requestWith(signedIn, '198.51.100.7').context)).resolves.toBe(true);
    await expect(
      strict.canActivate(requestWith(`Bearer ${token('u4')}`, '198.51.100.8').context),
    ).resolves.toBe(true);
    // The lockout's 429 is counted with the rate limits' refusals.
    expect(await metrics.text()).toMatch(/^throttled_requests_total\{tracker_kind="ip"\} 1$/m);
  });

  it('turns a refused token into a 401 problem', () => {
    const { context } = requestWith('Bearer x');
    expect(() => guard.handleRequest(null, false, new InvalidTokenError('expired'), context)).toThrow(
      expect.objectContaining({ kind: 'unauthorized', detail: 'The access token has expired' }),
    );
  });

  it('answers a generic 401 when passport fails without a reason it knows', () => {
    const { context } = requestWith('Bearer x');
    expect(() => guard.handleRequest(null, false, { message: 'something else' }, context)).toThrow(
      expect.objectContaining({ kind: 'unauthorized', detail: 'The access token is invalid' }),
    );
  });

  it('lets an error that is not about the token through, so it is answered and logged as a 500', () => {
    const bug = new TypeError('cannot read properties of undefined');

    expect(() => guard.handleRequest(bug, false, undefined, requestWith('Bearer x').context)).toThrow(bug);
  });
});
