import { callerFromPayload, isCaller } from './caller.js';
import { InvalidTokenError } from './invalid-token.error.js';

const exp = 2_000_000_000;

function reasonFor(payload: unknown): string | undefined {
  try {
    callerFromPayload(payload);
    return undefined;
  } catch (error) {
    return error instanceof InvalidTokenError ? error.reason : 'unexpected error';
  }
}

describe('callerFromPayload', () => {
  it('names the caller by sub and keeps the roles', () => {
    expect(callerFromPayload({ sub: 'auth0:42', exp, roles: ['admin'] })).toEqual({
      kind: 'user',
      id: 'auth0:42',
      roles: ['admin'],
    });
  });

  it('accepts the characters an identity provider puts in ids', () => {
    expect(callerFromPayload({ sub: 'a-b_c.d:e@f', exp }).id).toBe('a-b_c.d:e@f');
  });

  it('gives no roles when the claim is absent', () => {
    expect(callerFromPayload({ sub: 'u1', exp }).roles).toEqual([]);
  });

  it('refuses a payload that is not an object', () => {
    expect(reasonFor('u1')).toBe('malformed');
  });

  it('refuses a payload without a numeric exp', () => {
    expect(reasonFor({ sub: 'u1', exp: '2030-01-01' })).toBe('missing-expiry');
  });

  it.each(['', 'a/b', 'a%2Fb', 'a\nb', 'x'.repeat(129)])('refuses the sub %j', (sub) => {
    expect(reasonFor({ sub, exp })).toBe('invalid-subject');
  });
});

describe('isCaller', () => {
  it('recognises a caller and nothing else', () => {
    expect(isCaller({ kind: 'user', id: 'u1', roles: [] })).toBe(true);
    expect(isCaller({ kind: 'user', id: 'u1' })).toBe(false);
    expect(isCaller(undefined)).toBe(false);
  });
});
