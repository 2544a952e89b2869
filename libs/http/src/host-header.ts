import type { IncomingMessage } from 'node:http';

/**
 * Why a request's Host header is unacceptable, or undefined when it is
 * fine. RFC 9112 (3.2) asks for a 400 to an HTTP/1.1 request without Host
 * and to any request with more than one: two Host lines let a proxy and
 * the gateway each believe a different one. Node keeps the first of two
 * and drops the other, so only the raw header list shows them. Node's own
 * check of a missing Host answers a bare 400 without a body; the gateway
 * makes it here, so it is a problem like every other refusal.
 */
export function hostHeaderProblem(request: IncomingMessage): string | undefined {
  const raw = request.rawHeaders;
  let hosts = 0;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index];
    if (name.length === 4 && name.toLowerCase() === 'host') {
      hosts += 1;
    }
  }
  if (hosts > 1) {
    return 'The request carries more than one Host header.';
  }
  if (hosts === 0 && request.httpVersionMajor === 1 && request.httpVersionMinor >= 1) {
    return 'An HTTP/1.1 request must carry a Host header.';
  }
  return undefined;
}
