import { loadConfig } from '@app/config';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RequestContext } from '@app/observability';
import { InvalidTokenError } from './invalid-token.error.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';

describe('JwtAuthGuard', () => {
  const guard = new JwtAuthGuard(new Reflector(), loadConfig({ NODE_ENV: 'test' }));
  const request = { context: { requestId: 'r1' } as RequestContext };
  const http = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;

  it('passes the caller on when passport verified the token, and names them for the access log', () => {
    const caller = { kind: 'user', id: 'u1', roles: [], tier: undefined };

    expect(guard.handleRequest(null, caller, undefined, http)).toBe(caller);
    expect(request.context.callerId).toBe('user:u1');
  });

  it('turns a refused token into a 401 problem', () => {
    expect(() => guard.handleRequest(null, false, new InvalidTokenError('expired'), http)).toThrow(
      expect.objectContaining({ kind: 'unauthorized', detail: 'The access token has expired' }),
    );
  });

  it('answers a generic 401 when passport fails without a reason it knows', () => {
    expect(() => guard.handleRequest(null, false, { message: 'something else' }, http)).toThrow(
      expect.objectContaining({ kind: 'unauthorized', detail: 'The access token is invalid' }),
    );
  });

  it('lets an error that is not about the token through, so it is answered and logged as a 500', () => {
    const bug = new TypeError('cannot read properties of undefined');

    expect(() => guard.handleRequest(bug, false, undefined, http)).toThrow(bug);
  });
});
