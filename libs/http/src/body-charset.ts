/** The `charset` parameter of a media type, quoted or not (RFC 9110 8.3.1). */
const CHARSET_PARAMETER = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;

/** What JSON may be sent in: UTF-8 (RFC 8259 8.1), and ASCII, which is UTF-8 too. */
const JSON_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * The charset a request's Content-Type names, when it is one a JSON body
 * cannot be in: the body would be read as UTF-8 all the same, so a client
 * that sent UTF-16 got its text garbled, or refused as malformed JSON with
 * the wrong reason.
 */
export function foreignCharset(contentType: string): string | undefined {
  const match = CHARSET_PARAMETER.exec(contentType);
  if (match === null) {
    return undefined;
  }
  const charset = (match[1] ?? match[2]).toLowerCase();
  return JSON_CHARSETS.has(charset) ? undefined : charset;
}
