import { spellOutWildcard } from './accept-encoding.js';

const OFFERED = ['gzip', 'deflate'];

describe(spellOutWildcard.name, () => {
  it('keeps an encoding the client refused with q=0 out of what its wildcard stands for', () => {
    expect(spellOutWildcard('gzip;q=0, *', OFFERED)).toBe('gzip;q=0, deflate');
    expect(spellOutWildcard('*;q=1, gzip;q=0', OFFERED)).toBe('deflate;q=1, gzip;q=0');
  });

  it('gives the encodings a wildcard stands for its weight, and counts x-gzip as gzip', () => {
    expect(spellOutWildcard('*;q=0.5', OFFERED)).toBe('gzip;q=0.5, deflate;q=0.5');
    expect(spellOutWildcard('x-gzip;q=0, *', OFFERED)).toBe('x-gzip;q=0, deflate');
  });

  it('leaves a wildcard that stands for nothing left out, and the named encodings as they came', () => {
    expect(spellOutWildcard('gzip, deflate;q=0.1, *;q=0', OFFERED)).toBe('gzip, deflate;q=0.1');
    expect(spellOutWildcard('br, *', OFFERED)).toBe('br, gzip, deflate');
  });
});
