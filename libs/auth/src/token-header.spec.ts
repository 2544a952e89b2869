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

  it("reads each of several issuers' headers right when they are seen again", () => {
    const rs = `${segment({ alg: 'RS256', kid: 'k1' })}.payload.signature`;
    const hs = `${segment({ alg: 'HS256' })}.other.signature`;
    for (let round = 0; round < 3; round += 1) {
      expect(readTokenHeader(rs)).toEqual({ alg: 'RS256', kid: 'k1' });
      expect(readTokenHeader(hs)).toEqual({ alg: 'HS256', kid: undefined });
    }
  });

  it('hands out a header nobody can change for the next token', () => {
    const header = readTokenHeader(`${segment({ alg: 'HS256' })}.payload.signature`) as { alg: string };
    expect(() => (header.alg = 'none')).toThrow(TypeError);
    expect(readTokenHeader(`${segment({ alg: 'HS256' })}.payload.signature`)?.alg).toBe('HS256');
  });

  it('still reads headers right after more distinct ones than it keeps', () => {
    for (let index = 0; index < 200; index += 1) {
      expect(readTokenHeader(`${segment({ alg: 'RS256', kid: `k${index}` })}.p.s`)?.kid).toBe(`k${index}`);
    }
    expect(readTokenHeader(`${segment({ alg: 'RS256', kid: 'k7' })}.p.s`)?.kid).toBe('k7');
  });

  it('refuses a four-segment token even when its first segment is a header it knows', () => {
    expect(readTokenHeader(`${segment({ alg: 'HS256' })}.a.b`)).toBeDefined();
    expect(readTokenHeader(`${segment({ alg: 'HS256' })}.a.b.c`)).toBeUndefined();
  });

  it.each([
    ['two segments', `${segment({ alg: 'HS256' })}.payload`],
    ['four segments (a JWE)', `${segment({ alg: 'HS256' })}.a.b.c`],
    ['a header that is not JSON', `${Buffer.from('{alg').toString('base64url')}.payload.signature`],
    ['a header that is not an object', `${segment('HS256')}.payload.signature`],
    ['a header without alg', `${segment({ kid: 'k1' })}.payload.signature`],
    ['a numeric kid', `${segment({ alg: 'RS256', kid: 7 })}.payload.signature`],
    ['critical extensions', `${segment({ alg: 'HS256', crit: ['exp-v2'], 'exp-v2': 1 })}.payload.signature`],
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
    expect(hasObjectPayload(token('      \t\r\n {"sub":"u1"}'))).toBe(true);
  });

  it.each([['null'], ['42'], ['"u1"'], ['[{}]'], [''], ['        '], ['é{}']])(
    'refuses the payload %j',
    (payload) => {
      expect(hasObjectPayload(token(payload))).toBe(false);
    },
  );

  it('refuses a token without a payload segment', () => {
    expect(hasObjectPayload('header-only')).toBe(false);
  });
});
