import type { IncomingMessage } from 'node:http';

/**
 * Fields a request may carry once (RFC 9110, 5.3), by their lower-case
 * name. Node keeps the first of two Host, Authorization or Content-Type
 * lines and drops the others without a word, and joins two X-API-Key lines
 * into one value: two lines let a proxy in front and the gateway each act
 * on a different one (a proxy that checks one token while the gateway
 * serves another's data), so only the raw header list shows them.
 */
const SINGLE_FIELDS = new Map([
  ['host', 'Host'],
  ['authorization', 'Authorization'],
  ['content-type', 'Content-Type'],
  ['x-api-key', 'X-API-Key'],
  // Joined by Node as "2, 2", a version no route has: the client was told there is no version 2.
  ['x-api-version', 'X-Api-Version'],
]);
const SINGLE_FIELD_LENGTHS = new Set([...SINGLE_FIELDS.keys()].map((name) => name.length));

/**
 * Why a request's header lines are unacceptable, or undefined when they
 * are fine: a field of {@link SINGLE_FIELDS} sent twice, or an HTTP/1.1
 * request without Host, which RFC 9112 (3.2) also asks a 400 for. Node's
 * own check of a missing Host answers a bare 400 without a body; the
 * gateway makes it here, so it is a problem like every other refusal.
 */
export function headerFieldsProblem(request: IncomingMessage): string | undefined {
  const raw = request.rawHeaders;
  // Most requests carry two or three of these fields: a list is all it takes.
  const seen: string[] = [];
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index];
    if (!SINGLE_FIELD_LENGTHS.has(name.length)) {
      continue;
    }
    const field = name.toLowerCase();
    const shown = SINGLE_FIELDS.get(field);
    if (shown === undefined) {
      continue;
    }
    if (seen.includes(field)) {
      return `The request carries more than one ${shown} header.`;
    }
    seen.push(field);
  }
  if (!seen.includes('host') && request.httpVersionMajor === 1 && request.httpVersionMinor >= 1) {
    return 'An HTTP/1.1 request must carry a Host header.';
  }
  return undefined;
}
