import { callerFromConsumer, callerFromPayload, isCaller } from './caller.js';
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
      tier: undefined,
    });
  });

  it('accepts the characters an identity provider puts in ids', () => {
    expect(callerFromPayload({ sub: 'a-b_c.d:e@f', exp }).id).toBe('a-b_c.d:e@f');
    expect(callerFromPayload({ sub: '...', exp }).id).toBe('...');
    expect(callerFromPayload({ sub: 'auth0|5f7c8ec7c33c6c004bbafe82', exp }).id).toBe(
      'auth0|5f7c8ec7c33c6c004bbafe82',
    );
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

  it.each(['', '.', '..', 'a/b', 'a%2Fb', 'a\nb', 'x'.repeat(129)])('refuses the sub %j', (sub) => {
    expect(reasonFor({ sub, exp })).toBe('invalid-subject');
  });
});

describe('callerFromConsumer', () => {
  const consumer = { name: 'partner-acme', keyHash: Buffer.alloc(32), roles: ['partner'], tier: 'partner' };

  it('names the caller by the consumer name and carries its roles and tier', () => {
    expect(callerFromConsumer(consumer)).toEqual({
      kind: 'consumer',
      id: 'partner-acme',
      roles: ['partner'],
      tier: 'partner',
    });
  });

  it('hands out a copy of the roles, so a handler cannot grant the consumer more', () => {
    callerFromConsumer(consumer).roles.push('admin');

    expect(consumer.roles).toEqual(['partner']);
  });
});

describe('isCaller', () => {
  it('recognises a user and a consumer', () => {
    expect(isCaller({ kind: 'user', id: 'u1', roles: [], tier: undefined })).toBe(true);
    expect(isCaller({ kind: 'user', id: 'u1', roles: [] })).toBe(true);
    expect(isCaller({ kind: 'consumer', id: 'partner-acme', roles: [], tier: 'partner' })).toBe(true);
  });

  it.each([
    ['a user without roles', { kind: 'user', id: 'u1' }],
    ['a user with a tier', { kind: 'user', id: 'u1', roles: [], tier: 'partner' }],
    ['a consumer without a tier', { kind: 'consumer', id: 'partner-acme', roles: [] }],
    ['an unknown kind', { kind: 'robot', id: 'r1', roles: [], tier: undefined }],
    ['a number as id', { kind: 'user', id: 1, roles: [] }],
    ['undefined', undefined],
    ['null', null],
  ])('refuses %s', (_label, value) => {
    expect(isCaller(value)).toBe(false);
  });
});
