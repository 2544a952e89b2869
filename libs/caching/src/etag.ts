/*
 * The tag is the text's length and a 53-bit hash of its UTF-16 units (two
 * 32-bit multiply-xorshift lanes, after the public-domain cyrb53), written
 * here rather than taken from node:crypto: its one-shot SHA-1 took 13.5 µs
 * per answer inside the running gateway, against about 1 µs in a loop
 * (the text arrives as a concatenation to flatten, and OpenSSL's code has
 * gone cold since the last answer; bench/RESULTS.md). A tag only ever
 * meets the same caller's earlier copy of the same route, so it needs no
 * strength against a forger, only against chance; Fastify's own
 * @fastify/etag hashes with a 32-bit FNV-1a for the same reason.
 */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ unit, 2654435761);
    h2 = Math.imul(h2 ^ unit, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A strong validator for an answer's JSON text: equal text, equal tags, on every instance. */
export function etagOf(text: string): string {
  return `"${text.length.toString(36)}-${hash53(text).toString(36)}"`;
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
