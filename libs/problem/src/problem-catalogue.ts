/**
 * Every problem type the gateway can answer with, in one place, so that a
 * client can switch on `type` and a reader can see the whole error surface.
 */
export const PROBLEM_CATALOGUE = {
  'bad-request': { status: 400, title: 'Bad request' },
  validation: { status: 400, title: 'Invalid request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'not-acceptable': { status: 406, title: 'Not acceptable' },
  // Node's parser and Fastify's router answer these before any route runs (see libs/http early-problem.ts).
  'request-timeout': { status: 408, title: 'Request timeout' },
  conflict: { status: 409, title: 'Conflict' },
  // A relayed resource its service says is gone for good.
  gone: { status: 410, title: 'Gone' },
  // A conditional write (If-Match, If-None-Match) whose condition the resource does not meet (RFC 9110, 13.1).
  'precondition-failed': { status: 412, title: 'Precondition failed' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'uri-too-long': { status: 414, title: 'URI too long' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  // An `Expect` other than 100-continue, which Node hands to the gateway before Fastify sees the request.
  'expectation-failed': { status: 417, title: 'Expectation failed' },
  // Well-formed and within the gateway's rules, but refused by the service that owns the data.
  unprocessable: { status: 422, title: 'Unprocessable content' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'header-fields-too-large': { status: 431, title: 'Request header fields too large' },
  // nginx's code for a client that hung up first: never sent (nobody is listening), but it names the case in logs.
  'client-closed': { status: 499, title: 'Client closed request' },
  internal: { status: 500, title: 'Internal server error' },
  // A request the gateway cannot read as sent: a transfer coding other than chunked (RFC 9112, 6.1).
  'not-implemented': { status: 501, title: 'Not implemented' },
  'bad-gateway': { status: 502, title: 'Bad gateway' },
  'service-unavailable': { status: 503, title: 'Service unavailable' },
  'gateway-timeout': { status: 504, title: 'Gateway timeout' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemKind = keyof typeof PROBLEM_CATALOGUE;

export const PROBLEM_TYPE_BASE = 'https://bff-gateway.dev/problems/';

export function problemTypeUri(kind: ProblemKind): string {
  return PROBLEM_TYPE_BASE + kind;
}

const KIND_BY_STATUS = new Map<number, ProblemKind>(
  (Object.keys(PROBLEM_CATALOGUE) as ProblemKind[])
    .filter((kind) => kind !== 'validation')
    .map((kind) => [PROBLEM_CATALOGUE[kind].status, kind]),
);

/** The catalogue entry for an HTTP status raised by the framework (a Nest HttpException, a Fastify error). */
export function problemKindForStatus(status: number): ProblemKind {
  const known = KIND_BY_STATUS.get(status);
  if (known) {
    return known;
  }
  return status >= 500 ? 'internal' : 'bad-request';
}
