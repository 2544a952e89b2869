import { normalizeQuery, responseCacheKey } from './cache-keys.js';

describe(normalizeQuery.name, () => {
  it('gives one form to the same query written in another order', () => {
    expect(normalizeQuery({ status: 'paid', limit: '5' })).toBe(
      normalizeQuery({ limit: '5', status: 'paid' }),
    );
  });

  it('keeps repeated values, drops empty ones and encodes the rest', () => {
    expect(normalizeQuery({ b: ['2', '1'], a: '', c: 'x&y=z' })).toBe('b=2&b=1&c=x%26y%3Dz');
  });

  it('keeps empty values when asked, for a query passed on as it came', () => {
    expect(normalizeQuery({ b: '1', a: '' }, true)).toBe('a=&b=1');
    expect(normalizeQuery({ b: '1', a: '' }, true)).not.toBe(normalizeQuery({ b: '1' }, true));
  });
});

describe(responseCacheKey.name, () => {
  it('never gives two callers the same key', () => {
    expect(responseCacheKey('/mobile/profile', 'u1', {})).not.toBe(
      responseCacheKey('/mobile/profile', 'u2', {}),
    );
  });

  it('cannot be forged by a principal containing the separator', () => {
    expect(responseCacheKey('/r', 'u1:x', {})).not.toBe(responseCacheKey('/r', 'u1', { x: '' }));
    expect(responseCacheKey('/r', 'u1:x', {})).toBe('response:/r:u1%3Ax:');
  });
});
