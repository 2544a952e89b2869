import { randomUUID } from 'node:crypto';

/*
 * A client-chosen id is echoed into our headers and logs, so only a short,
 * plain token is accepted: anything else (CRLF, spaces, a kilobyte of junk)
 * is replaced by a fresh UUID rather than refused, because the id is a
 * convenience for the caller, not a reason to fail their request.
 */
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && WELL_FORMED_REQUEST_ID.test(header) ? header : randomUUID();
}
