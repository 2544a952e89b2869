import { hashApiKey } from './hash-api-key.js';

describe(hashApiKey.name, () => {
  it('gives the sha256: form of the key, the same on every call', () => {
    // The SHA-256 test vector for "abc" from FIPS 180-2.
    const expected = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

    expect(hashApiKey('abc')).toBe(expected);
    expect(hashApiKey('abc')).toBe(expected);
  });

  it('gives different keys different hashes', () => {
    expect(hashApiKey('partner-key-1')).not.toBe(hashApiKey('partner-key-2'));
  });

  it('hashes a key of up to 256 characters', () => {
    expect(hashApiKey('k'.repeat(256))).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ['empty', ''],
    ['longer than 256 characters', 'k'.repeat(257)],
    ['with a space', 'partner key'],
    ['with a trailing newline', 'partner-key\n'],
    ['with non-ASCII letters', 'partner-kéy'],
  ])('refuses a key that is %s, since no request could present it, without repeating it', (_label, key) => {
    expect(() => hashApiKey(key)).toThrow(RangeError);
    expect(() => hashApiKey(key)).toThrow(
      /^An API key must be 1 to 256 visible ASCII characters without spaces$/,
    );
  });
});
