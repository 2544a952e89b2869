import { describe, expect, it } from 'vitest';
import type { Caller } from './caller.js';
import { VerifiedTokens } from './verified-tokens.js';

const alice: Caller = { kind: 'user', id: 'alice', roles: ['reader'], tier: undefined };

describe('VerifiedTokens', () => {
  it('knows a verified token by its exact text, and no other', () => {
    const tokens = new VerifiedTokens(0);
    tokens.remember('header.payload.signature', Date.now() / 1000 + 300, alice);
    expect(tokens.get('header.payload.signature')).toEqual(alice);
    expect(tokens.get('header.payload.signaturf')).toBeUndefined();
  });

  it('forgets a token once it has expired, clock tolerance included', () => {
    let now = 1_000_000;
    const tokens = new VerifiedTokens(5_000, () => now);
    tokens.remember('t', now / 1000 + 2, alice);
    expect(tokens.get('t')).toEqual(alice);
    now += 7_100;
    expect(tokens.get('t')).toBeUndefined();
  });

  it('never remembers an expired token, even within the clock tolerance window it has already used up', () => {
    const tokens = new VerifiedTokens(0);
    tokens.remember('t', Date.now() / 1000 - 1, alice);
    expect(tokens.get('t')).toBeUndefined();
  });

  it('hands out a caller nobody can change for the next request', () => {
    const tokens = new VerifiedTokens(0);
    tokens.remember('t', Date.now() / 1000 + 300, alice);
    const caller = tokens.get('t') as Caller;
    expect(() => caller.roles.push('admin')).toThrow(TypeError);
    expect(tokens.get('t')?.roles).toEqual(['reader']);
  });

  it('keeps a verdict for at most a minute, however long the token has left', () => {
    let now = 1_000_000;
    const tokens = new VerifiedTokens(0, () => now);
    tokens.remember('t', now / 1000 + 3600, alice);
    now += 60_000;
    expect(tokens.get('t')).toEqual(alice);
    now += 1;
    expect(tokens.get('t')).toBeUndefined();
  });

  it('hands out a caller without roles that nobody can give one', () => {
    const tokens = new VerifiedTokens(0);
    tokens.remember('t', Date.now() / 1000 + 300, { ...alice, roles: [] });
    const caller = tokens.get('t') as Caller;
    expect(() => caller.roles.push('admin')).toThrow(TypeError);
    expect(tokens.get('t')?.roles).toEqual([]);
  });
});
