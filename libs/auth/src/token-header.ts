export interface TokenHeader {
  readonly alg: string;
  readonly kid: string | undefined;
}

/** Enough for every issuer and key a deployment trusts; past it the table starts over, so no sender can grow it. */
const KNOWN_HEADERS_MAX = 64;
/*
 * An issuer signs every token with the same protected header, byte for
 * byte, so its decoded form is kept by its text: decoding it (base64, then
 * JSON) took 0.9 µs per token alone, on every request with a token the
 * gateway has not verified yet. Only well-formed headers are kept.
 */
const knownHeaders = new Map<string, TokenHeader>();

function decodeHeader(segment: string): TokenHeader | undefined {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null) {
    return undefined;
  }
  const { alg, kid, crit } = header as { alg?: unknown; kid?: unknown; crit?: unknown };
  // RFC 7515 (4.1.11): extensions marked critical must be understood, and the gateway understands none.
  if (typeof alg !== 'string' || (kid !== undefined && typeof kid !== 'string') || crit !== undefined) {
    return undefined;
  }
  return Object.freeze({ alg, kid });
}

/**
 * Reads a compact JWS's protected header without touching its payload, so
 * the algorithm and key can be checked before any verification work.
 * `undefined` means the token is not a well-formed JWS.
 */
export function readTokenHeader(token: string): TokenHeader | undefined {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.includes('.', second + 1)) {
    return undefined;
  }
  const segment = token.slice(0, first);
  const known = knownHeaders.get(segment);
  if (known !== undefined) {
    return known;
  }
  const header = decodeHeader(segment);
  if (header !== undefined) {
    if (knownHeaders.size >= KNOWN_HEADERS_MAX) {
      knownHeaders.clear();
    }
    knownHeaders.set(segment, header);
  }
  return header;
}

/**
 * Whether the payload segment holds a JSON object (or text that at least
 * starts like one; jsonwebtoken refuses what does not parse). jsonwebtoken
 * checks the signature of any payload and only then reads claims off it: a
 * signed `null` payload makes it throw inside its own callback, where
 * nothing catches the error, so the request would never be answered.
 */
export function hasObjectPayload(token: string): boolean {
  const start = token.indexOf('.') + 1;
  if (start === 0) {
    return false;
  }
  const end = token.indexOf('.', start);
  const payload = end < 0 ? token.slice(start) : token.slice(start, end);
  // Four characters are the first three bytes: enough to see the opening brace unless whitespace comes first.
  const opening = Buffer.from(payload.slice(0, 4), 'base64url').toString('utf8').trimStart();
  const text = opening.length > 0 ? opening : Buffer.from(payload, 'base64url').toString('utf8').trimStart();
  return text.startsWith('{');
}

/** A token's `iat` claim, in seconds, if its payload has a numeric one; read only where a key cannot be found. */
export function issuedAtOf(token: string): number | undefined {
  const start = token.indexOf('.') + 1;
  const end = token.indexOf('.', start);
  if (start === 0 || end < 0) {
    return undefined;
  }
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.slice(start, end), 'base64url').toString('utf8'));
    const iat = (payload as { iat?: unknown } | null)?.iat;
    return typeof iat === 'number' && Number.isFinite(iat) ? iat : undefined;
  } catch {
    return undefined;
  }
}
