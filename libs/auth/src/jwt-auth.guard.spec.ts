import { loadConfig } from '@app/config';
import type { RequestContext } from '@app/observability';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import jwt from 'jsonwebtoken';
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
  new JwtStrategy(config, null);
  const guard = new JwtAuthGuard(new Reflector(), config);

  class Routes {
    profile(this: void): void {}
  }

  function requestWith(authorization: string): {
    request: { headers: Record<string, string>; context: RequestContext; user?: unknown };
    context: ExecutionContextHost;
  } {
    const request = { headers: { authorization }, context: { requestId: 'r1' } as RequestContext };
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

    expect(Object.keys(request).sort()).toEqual(['context', 'headers', 'user']);
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

  it('turns a refused token into a 401 problem', () => {
    expect(() => guard.handleRequest(null, false, new InvalidTokenError('expired'))).toThrow(
      expect.objectContaining({ kind: 'unauthorized', detail: 'The access token has expired' }),
    );
  });

  it('answers a generic 401 when passport fails without a reason it knows', () => {
    expect(() => guard.handleRequest(null, false, { message: 'something else' })).toThrow(
      expect.objectContaining({ kind: 'unauthorized', detail: 'The access token is invalid' }),
    );
  });

  it('lets an error that is not about the token through, so it is answered and logged as a 500', () => {
    const bug = new TypeError('cannot read properties of undefined');

    expect(() => guard.handleRequest(bug, false, undefined)).toThrow(bug);
  });
});
