/** What the gateway compresses answers with; the order is its preference. */
export const ANSWER_ENCODINGS = ['gzip', 'deflate'] as const;

/**
 * An `Accept-Encoding` with its `*` spelled out as the encodings it stands
 * for: those of `offered` the header does not name itself, at the `*`'s
 * weight. @fastify/compress reads `*` as gzip, so `gzip;q=0, *` (anything
 * but gzip) was answered gzipped, against RFC 9110's `q=0`: "not
 * acceptable". Written by hand because the negotiation is the plugin's;
 * this only hands it the header it would have needed.
 */
export function spellOutWildcard(header: string, offered: readonly string[]): string {
  const items = header
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  const named = new Set(items.map((item) => codingOf(item)));
  return items
    .flatMap((item) => {
      if (codingOf(item) !== '*') {
        return [item];
      }
      const parameters = item.indexOf(';');
      const weight = parameters === -1 ? '' : item.slice(parameters);
      return offered.filter((coding) => !named.has(coding)).map((coding) => `${coding}${weight}`);
    })
    .join(', ');
}

function codingOf(item: string): string {
  const coding = item.split(';', 1)[0].trim().toLowerCase();
  return coding === 'x-gzip' ? 'gzip' : coding;
}

/**
 * A request's `Content-Encoding` as @fastify/compress matches it, exactly:
 * content codings are case-insensitive (RFC 9110 §8.4.1) and `x-gzip` is
 * gzip, so `GZIP` and `x-gzip` bodies were refused with a 415.
 */
export function normalizedContentEncoding(header: string): string {
  const coding = header.trim().toLowerCase();
  return coding === 'x-gzip' ? 'gzip' : coding;
}
