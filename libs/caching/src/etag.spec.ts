import { etagOf, matchesIfNoneMatch } from './etag.js';

describe(etagOf.name, () => {
  it('tags equal bodies alike and different bodies differently', () => {
    expect(etagOf('{"a":1}')).toBe(etagOf('{"a":1}'));
    expect(etagOf('{"a":1}')).not.toBe(etagOf('{"a":2}'));
    expect(etagOf('{"a":1}')).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
  });

  it('gives a new tag when any one character of a long answer changes, so a client never keeps a stale copy', () => {
    const body = JSON.stringify({
      orders: Array.from({ length: 40 }, (_, index) => ({ id: `o-${index}`, total: 1000 + index })),
    });
    const tags = new Set([etagOf(body)]);
    for (let at = 0; at < body.length; at += 1) {
      const changed = `${body.slice(0, at)}${body[at] === '1' ? '2' : '1'}${body.slice(at + 1)}`;
      tags.add(etagOf(changed));
    }
    expect(tags.size).toBe(body.length + 1);
  });

  it('tells apart answers that differ only beyond the first 64 KiB, or only in characters outside Latin-1', () => {
    const long = 'x'.repeat(70_000);
    expect(etagOf(`${long}a`)).not.toBe(etagOf(`${long}b`));
    expect(etagOf('{"name":"Zoë"}')).not.toBe(etagOf('{"name":"Zoé"}'));
    expect(etagOf('{"name":"名前"}')).not.toBe(etagOf('{"name":"名剣"}'));
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
