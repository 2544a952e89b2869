import { hasObjectPayload, readTokenHeader } from './token-header.js';

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('readTokenHeader', () => {
  it('reads the algorithm and key id of a compact JWS', () => {
    expect(readTokenHeader(`${segment({ alg: 'RS256', kid: 'k1' })}.payload.signature`)).toEqual({
      alg: 'RS256',
      kid: 'k1',
    });
  });

  it('leaves kid undefined when the header has none', () => {
    expect(readTokenHeader(`${segment({ alg: 'HS256' })}.payload.signature`)).toEqual({
      alg: 'HS256',
      kid: undefined,
    });
  });

  it.each([
    ['two segments', `${segment({ alg: 'HS256' })}.payload`],
    ['four segments (a JWE)', `${segment({ alg: 'HS256' })}.a.b.c`],
    ['a header that is not JSON', `${Buffer.from('{alg').toString('base64url')}.payload.signature`],
    ['a header that is not an object', `${segment('HS256')}.payload.signature`],
    ['a header without alg', `${segment({ kid: 'k1' })}.payload.signature`],
    ['a numeric kid', `${segment({ alg: 'RS256', kid: 7 })}.payload.signature`],
  ])('refuses %s', (_label, token) => {
    expect(readTokenHeader(token)).toBeUndefined();
  });
});

describe('hasObjectPayload', () => {
  const token = (payload: string): string =>
    `${segment({ alg: 'HS256' })}.${Buffer.from(payload).toString('base64url')}.sig`;

  it('accepts a payload that is a JSON object, leading whitespace included', () => {
    expect(hasObjectPayload(token('{"sub":"u1"}'))).toBe(true);
    expect(hasObjectPayload(token(' \n{"sub":"u1"}'))).toBe(true);
  });

  it.each([['null'], ['42'], ['"u1"'], ['[{}]'], ['']])('refuses the payload %j', (payload) => {
    expect(hasObjectPayload(token(payload))).toBe(false);
  });

  it('refuses a token without a payload segment', () => {
    expect(hasObjectPayload('header-only')).toBe(false);
  });
});
