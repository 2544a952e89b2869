import { encodePathSegment } from './encode-path-segment.js';

describe(encodePathSegment.name, () => {
  it('keeps a plain id as it is', () => {
    expect(encodePathSegment('u42')).toBe('u42');
  });

  it('encodes separators so an id cannot reach another upstream path', () => {
    expect(encodePathSegment('../admin')).toBe('..%2Fadmin');
    expect(encodePathSegment('a?b=c#d')).toBe('a%3Fb%3Dc%23d');
  });

  it('refuses empty and dot segments, which a URL parser would resolve even when encoded', () => {
    for (const unsafe of ['', '.', '..']) {
      expect(encodePathSegment(unsafe)).toBeUndefined();
    }
    expect(encodePathSegment('...')).toBe('...');
    expect(encodePathSegment('%2e%2e')).toBe('%252e%252e');
  });
});
