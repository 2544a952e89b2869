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

/**
 * Whether the payload segment holds a JSON object (or text that at least
 * starts like one; jsonwebtoken refuses what does not parse). jsonwebtoken
 * checks the signature of any payload and only then reads claims off it: a
 * signed `null` payload makes it throw inside its own callback, where
 * nothing catches the error, so the request would never be answered.
 */
export function hasObjectPayload(token: string): boolean {
  const payload = token.split('.')[1];
  return (
    payload !== undefined && Buffer.from(payload, 'base64url').toString('utf8').trimStart().startsWith('{')
  );
}
