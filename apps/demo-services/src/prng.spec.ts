import { fnv1a, intBetween, mulberry32, pickDistinct, seededRandom, weighted } from './prng.js';

describe('prng', () => {
  it('hashes like the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('repeats the same sequence for the same seed and stays in [0, 1)', () => {
    const first = mulberry32(42);
    const second = mulberry32(42);
    for (let i = 0; i < 1000; i++) {
      const value = first();
      expect(second()).toBe(value);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it('gives different facets of one id independent streams', () => {
    expect(seededRandom('u1', 'user')()).not.toBe(seededRandom('u1', 'order')());
  });

  it('draws whole numbers covering both bounds', () => {
    const random = mulberry32(7);
    const seen = new Set(Array.from({ length: 500 }, () => intBetween(random, 1, 3)));
    expect(seen).toEqual(new Set([1, 2, 3]));
  });

  it('never picks a zero-weight choice', () => {
    const random = mulberry32(3);
    for (let i = 0; i < 500; i++) {
      expect(
        weighted(random, [
          ['never', 0],
          ['always', 1],
        ]),
      ).toBe('always');
    }
  });

  it('picks distinct items, at most as many as there are', () => {
    const random = mulberry32(9);
    const items = ['a', 'b', 'c', 'd', 'e'];
    const three = pickDistinct(random, items, 3);
    expect(new Set(three).size).toBe(3);
    expect(new Set(pickDistinct(random, items, 9))).toEqual(new Set(items));
  });
});
