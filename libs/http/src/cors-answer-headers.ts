/** Response headers a page's script may read; CORS hides every header beyond a short safelist unless named here. */
export const CORS_EXPOSED_HEADERS = [
  'X-Request-Id',
  'X-Response-Complete',
  'ETag',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
  'WWW-Authenticate',
  'Age',
  'X-Cache',
  // A 405's list of the methods the path takes.
  'Allow',
];

/**
 * The CORS headers of an answer (not a preflight's) to a request from
 * `origin`, as @fastify/cors sets them under the same policy: `*` for any
 * origin, without credentials; an allowlisted origin named back, with
 * credentials. For the answers Fastify gives outside every hook (the
 * router's refusals), where the plugin never runs: without them a page's
 * script could not read the problem, nor its request id.
 */
export function corsAnswerHeaders(
  origin: string | undefined,
  origins: readonly string[],
): Record<string, string> {
  if (origins.length === 0) {
    return {};
  }
  const exposed = { 'access-control-expose-headers': CORS_EXPOSED_HEADERS.join(', ') };
  if (origins.includes('*')) {
    return { 'access-control-allow-origin': '*', ...exposed };
  }
  if (origin === undefined || !origins.includes(origin)) {
    return { vary: 'Origin' };
  }
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
    ...exposed,
  };
}
