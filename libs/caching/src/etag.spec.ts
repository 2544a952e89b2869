import { etagOf, matchesIfNoneMatch } from './etag.js';

describe(etagOf.name, () => {
  it('tags equal bodies alike and different bodies differently', () => {
    expect(etagOf('{"a":1}')).toBe(etagOf('{"a":1}'));
    expect(etagOf('{"a":1}')).not.toBe(etagOf('{"a":2}'));
    expect(etagOf('{"a":1}')).toMatch(/^"[A-Za-z0-9_-]+"$/);
  });
});

describe(matchesIfNoneMatch.name, () => {
  const tag = '"abc"';

  it('matches the tag, a list holding it, a weak form of it, and *', () => {
    expect(matchesIfNoneMatch('"abc"', tag)).toBe(true);
    expect(matchesIfNoneMatch('"x", "abc"', tag)).toBe(true);
    expect(matchesIfNoneMatch('W/"abc"', tag)).toBe(true);
    expect(matchesIfNoneMatch('*', tag)).toBe(true);
  });

  it('does not match another tag or no header', () => {
    expect(matchesIfNoneMatch('"abd"', tag)).toBe(false);
    expect(matchesIfNoneMatch(undefined, tag)).toBe(false);
  });
});
