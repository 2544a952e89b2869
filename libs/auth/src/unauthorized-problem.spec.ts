import jwt from 'jsonwebtoken';
import type { Caller } from './caller.js';
import { InvalidTokenError } from './invalid-token.error.js';
import {
  invalidApiKeyProblem,
  invalidTokenReason,
  missingRolesProblem,
  unauthorizedProblem,
} from './unauthorized-problem.js';

describe('invalidTokenReason', () => {
  it.each([
    ['our own refusal', new InvalidTokenError('unknown-key'), 'unknown-key'],
    ['an expired token', new jwt.TokenExpiredError('jwt expired', new Date()), 'expired'],
    ['a token not active yet', new jwt.NotBeforeError('jwt not active', new Date()), 'not-yet-valid'],
    ['a bad signature', new jwt.JsonWebTokenError('invalid signature'), 'bad-signature'],
    ['a wrong audience', new jwt.JsonWebTokenError('jwt audience invalid. expected: bff'), 'wrong-audience'],
    [
      'a wrong issuer',
      new jwt.JsonWebTokenError('jwt issuer invalid. expected: https://issuer.test'),
      'wrong-issuer',
    ],
    [
      'an algorithm outside the list',
      new jwt.JsonWebTokenError('invalid algorithm'),
      'algorithm-not-allowed',
    ],
    ['an exp that is not a number', new jwt.JsonWebTokenError('invalid exp value'), 'malformed'],
    [
      'an empty signature on an algorithm that needs one',
      new jwt.JsonWebTokenError('jwt signature is required'),
      'malformed',
    ],
    [
      'an ES256 signature in DER rather than r||s',
      new TypeError('"ES256" signatures must be "64" bytes, saw "71"'),
      'bad-signature',
    ],
    ['a payload that is not JSON', new SyntaxError('Unexpected token'), 'malformed'],
    ['a jsonwebtoken message we do not know', new jwt.JsonWebTokenError('something new'), 'invalid'],
  ])('maps %s', (_label, failure, reason) => {
    expect(invalidTokenReason(failure)).toBe(reason);
  });

  it('does not claim errors that are not about the token', () => {
    expect(invalidTokenReason(new TypeError('cannot read properties of undefined'))).toBeUndefined();
    expect(invalidTokenReason(undefined)).toBeUndefined();
  });
});

describe('unauthorizedProblem', () => {
  it('builds a 401 problem with a Bearer challenge that says invalid_token', () => {
    const problem = unauthorizedProblem('expired');

    expect(problem).toMatchObject({
      kind: 'unauthorized',
      status: 401,
      detail: 'The access token has expired',
    });
    expect(problem.headers).toEqual({
      'WWW-Authenticate':
        'Bearer realm="bff-gateway", error="invalid_token", error_description="token expired"',
    });
  });

  it('keeps every challenge description free of characters RFC 6750 forbids', () => {
    const reasons = [
      'missing',
      'too-large',
      'malformed',
      'expired',
      'not-yet-valid',
      'missing-expiry',
      'wrong-issuer',
      'wrong-audience',
      'bad-signature',
      'algorithm-not-allowed',
      'unknown-key',
      'invalid-subject',
      'invalid',
    ] as const;
    for (const reason of reasons) {
      const challenge = unauthorizedProblem(reason).headers?.['WWW-Authenticate'] ?? '';
      const description = /error_description="([^"]*)"$/.exec(challenge)?.[1];

      expect(description).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/);
    }
  });
});

describe('invalidApiKeyProblem', () => {
  it('builds a 401 problem with the ApiKey challenge', () => {
    const problem = invalidApiKeyProblem('unknown');

    expect(problem).toMatchObject({ kind: 'unauthorized', status: 401, detail: 'The API key is not valid' });
    expect(problem.headers).toEqual({ 'WWW-Authenticate': 'ApiKey realm="bff-gateway"' });
  });

  it('words an over-long key like a wrong one, so a client learns nothing about key lengths', () => {
    expect(invalidApiKeyProblem('too-large').detail).toBe(invalidApiKeyProblem('unknown').detail);
  });
});

describe('missingRolesProblem', () => {
  it('tells a signed-in user their token falls short, as RFC 6750 asks', () => {
    const problem = missingRolesProblem('This action requires the role admin', {
      kind: 'user',
      id: 'u1',
      roles: [],
      tier: undefined,
    });

    expect(problem).toMatchObject({ kind: 'forbidden', status: 403 });
    expect(problem.headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="bff-gateway", error="insufficient_scope"',
    });
  });

  it('gives a consumer no challenge: an API key has no scope to widen', () => {
    const consumer: Caller = { kind: 'consumer', id: 'partner', roles: [], tier: 'partner' };

    expect(missingRolesProblem('This action requires the role admin', consumer).headers).toBeUndefined();
  });
});
