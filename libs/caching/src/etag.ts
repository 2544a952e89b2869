import { hash } from 'node:crypto';

/** A strong validator for an answer's JSON text: equal bytes, equal tags, on every instance. */
export function etagOf(text: string): string {
  return `"${hash('sha1', text, 'base64url')}"`;
}

/** RFC 9110 If-None-Match: `*`, or a list of tags compared weakly (a W/ prefix does not matter). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) {
    return false;
  }
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === bare;
  });
}
