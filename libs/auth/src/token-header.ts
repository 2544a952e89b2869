export interface TokenHeader {
  alg: string;
  kid: string | undefined;
}

/**
 * Reads a compact JWS's protected header without touching its payload, so
 * the algorithm and key can be checked before any verification work.
 * `undefined` means the token is not a well-formed JWS.
 */
export function readTokenHeader(token: string): TokenHeader | undefined {
  const segments = token.split('.');
  if (segments.length !== 3) {
    return undefined;
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(segments[0], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null) {
    return undefined;
  }
  const { alg, kid } = header as { alg?: unknown; kid?: unknown };
  if (typeof alg !== 'string' || (kid !== undefined && typeof kid !== 'string')) {
    return undefined;
  }
  return { alg, kid };
}
