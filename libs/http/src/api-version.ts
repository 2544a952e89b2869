import type { IncomingHttpHeaders } from 'node:http';

/** The request header that picks a route's version; without it a request gets the neutral (default) one. */
export const API_VERSION_HEADER = 'X-Api-Version';

const VERSION_FIELD = API_VERSION_HEADER.toLowerCase();

/**
 * Takes a blank version header for none. Nest routes by the header's value
 * as it stands, so `X-Api-Version:` with nothing after it (a client that
 * fills the header from an unset variable) asked for a version named "",
 * which no route has: a 404 where the README promises the default version.
 * Runs before routing, on every request; only a request carrying the
 * header pays for more than one lookup.
 */
export function dropBlankVersion(headers: IncomingHttpHeaders): void {
  const version = headers[VERSION_FIELD];
  if (typeof version === 'string' && version.trim() === '') {
    delete headers[VERSION_FIELD];
  }
}
