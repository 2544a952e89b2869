/**
 * The query string in one canonical form: keys sorted, repeated keys in
 * order, empty values dropped, so `?b=1&a=2` and `?a=2&b=1` share an entry.
 */
export function normalizeQuery(query: unknown): string {
  if (typeof query !== 'object' || query === null) {
    return '';
  }
  const pairs: string[] = [];
  for (const name of Object.keys(query).sort()) {
    const raw = (query as Record<string, unknown>)[name];
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (value !== undefined && value !== null && value !== '') {
        pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
      }
    }
  }
  return pairs.join('&');
}

/**
 * The key of a cached answer. The principal is a required part: an
 * authenticated answer can only ever be found again by the same caller.
 */
export function responseCacheKey(route: string, principal: string, query: unknown): string {
  // One flat string, kept as long as the entry: a template literal would keep a tree of concatenations.
  return ['response', route, encodeURIComponent(principal), normalizeQuery(query)].join(':');
}
