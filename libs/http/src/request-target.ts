const SLASH = 0x2f;

/**
 * A request target in origin form (`/path?query`), which every unit after
 * the router reads: the absolute form (`http://host/path?query`) that
 * RFC 9112 (3.2.2) has a server accept is cut down to it, so a relay's
 * prefix, a problem's `instance` and the access line see the path, never
 * the scheme and host a client chose. Anything else (`*`, a target the
 * router cannot read) is left as it came, for the router to refuse.
 */
export function originForm(target: string): string {
  // Origin form is all but every request: one character tells it.
  if (target.charCodeAt(0) === SLASH) {
    return target;
  }
  const schemeEnd = target.indexOf('://');
  if (schemeEnd === -1) {
    return target;
  }
  const scheme = target.slice(0, schemeEnd).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    return target;
  }
  const authorityStart = schemeEnd + 3;
  const pathStart = target.indexOf('/', authorityStart);
  const queryStart = target.indexOf('?', authorityStart);
  const authorityEnd = Math.min(
    pathStart === -1 ? target.length : pathStart,
    queryStart === -1 ? target.length : queryStart,
  );
  // No host, or a fragment (never part of a request target): the router refuses it as it stands.
  if (authorityEnd === authorityStart || target.includes('#', authorityStart)) {
    return target;
  }
  const rest = target.slice(authorityEnd);
  return rest.charCodeAt(0) === SLASH ? rest : `/${rest}`;
}
