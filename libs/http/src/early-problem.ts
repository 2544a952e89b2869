import { PROBLEM_CATALOGUE, PROBLEM_CONTENT_TYPE, toProblemDocument, type ProblemKind } from '@app/problem';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { describeError } from './describe-error.js';
import { markRefused, requestAnsweredBy } from './in-flight.js';
import { instanceOf } from './problem.filter.js';
import { requestIdFrom } from './request-id.js';
import { originForm } from './request-target.js';
import { apiHeaders } from './security-headers.js';

/*
 * Two kinds of bad request never reach Nest, so the problem filter never
 * sees them, and Fastify would answer them with its own JSON shape:
 * - what Node's HTTP parser refuses (broken syntax, CR or LF inside a
 *   header, headers past the size limit, a client too slow to send its
 *   request): there is no request object at all, only a socket;
 * - what Fastify's router refuses before routing (a malformed percent
 *   escape in the path, a path parameter past the length limit).
 * Both are answered here as problem+json with a request id.
 */

const PARSER_PROBLEMS: Record<string, { kind: ProblemKind; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    kind: 'request-timeout',
    detail: 'The request was not received in time; the connection is closed.',
  },
  HPE_HEADER_OVERFLOW: {
    kind: 'header-fields-too-large',
    detail: 'The request headers are larger than this gateway accepts.',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    kind: 'payload-too-large',
    detail: 'The chunk extensions of the request body are larger than this gateway accepts.',
  },
};

const NOT_HTTP = { kind: 'bad-request' as const, detail: 'The request is not valid HTTP/1.1.' };

/**
 * The whole HTTP/1.1 answer to a request the parser refused, by the
 * parser's error code. With no request to name, `instance` names this
 * occurrence by its request id.
 */
export function parserProblemResponse(
  error: ParserError,
  maxHeaderBytes: number,
  requestId: string = randomUUID(),
): string {
  const { kind, detail } = parserProblemOf(error, maxHeaderBytes);
  return rawProblemResponse(kind, detail, requestId);
}

/**
 * What Node's parser hands the client error handler: its code, and the
 * chunk it failed on (a Buffer from Node, whatever Fastify's types say).
 */
type ParserError = Error & { code?: string; rawPacket?: unknown };

const URI_TOO_LONG = {
  kind: 'uri-too-long' as const,
  detail: 'The request target is longer than this gateway accepts.',
};

function parserProblemOf(error: ParserError, maxHeaderBytes: number): { kind: ProblemKind; detail: string } {
  if (error.code === 'HPE_HEADER_OVERFLOW' && requestLineOverflowed(error.rawPacket, maxHeaderBytes)) {
    return URI_TOO_LONG;
  }
  return (error.code === undefined ? undefined : PARSER_PROBLEMS[error.code]) ?? NOT_HTTP;
}

/** A method token and a space: the start of a request line. */
const REQUEST_LINE_START = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ /;

/**
 * Node's parser counts the request line and the header fields against one
 * limit and calls either overflow a header overflow. When the request line
 * alone is past the limit, what is too long is the target, and RFC 9110
 * §15.5.15 answers that 414, as nginx does. The parser hands over only the
 * chunk it failed on, so this can tell only when that chunk starts the
 * request; otherwise the answer stays 431, which is still a size refusal.
 */
export function requestLineOverflowed(packet: unknown, maxHeaderBytes: number): boolean {
  if (!Buffer.isBuffer(packet) || !REQUEST_LINE_START.test(packet.toString('latin1', 0, 32))) {
    return false;
  }
  const lineEnd = packet.indexOf(0x0a);
  return lineEnd === -1 || lineEnd > maxHeaderBytes;
}

/** The API's security headers (and no-store), for the answers given before the hook that sets them runs, or outside every hook. */
const EARLY_ANSWER_HEADERS = apiHeaders();

/** The same as header lines, for answers written on the socket: every answer carries them. */
const RAW_SECURITY_LINES = Object.entries(EARLY_ANSWER_HEADERS).map(([name, value]) => `${name}: ${value}`);

/**
 * A whole HTTP/1.1 problem answer that closes the connection, for a socket
 * no Fastify reply stands for. With no route to name, `instance` names the
 * occurrence by a UUID: the request id when the gateway made it.
 */
function rawProblemResponse(
  kind: ProblemKind,
  detail: string,
  requestId: string,
  occurrence: string = requestId,
): string {
  const { status } = PROBLEM_CATALOGUE[kind];
  const body = JSON.stringify(
    toProblemDocument(kind, detail, { instance: `urn:uuid:${occurrence}`, requestId }),
  );
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    ...RAW_SECURITY_LINES,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

function pendingAnswer(socket: Socket): ServerResponse | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
}

/**
 * Whether a problem written now would be taken for the answer to another
 * request: one is pending on this connection for a request received in
 * full (a pipelined request ahead of the refused one), or its headers are
 * already out. The answer pending for the request being refused (a body
 * cut short by the request timeout) is replaced by the problem. Node's own
 * handler writes only on a connection that never carried a byte, so a
 * keep-alive client whose next request is refused would get a bare reset;
 * Node's `_httpMessage` (the answer being written, null between answers)
 * tells these cases apart.
 */
function anotherAnswerPending(pending: ServerResponse | undefined): boolean {
  return (
    pending !== undefined &&
    (pending.headersSent || (pending.req as IncomingMessage | undefined)?.complete !== false)
  );
}

/**
 * Fastify's `clientErrorHandler`: answers the parser's refusal and closes
 * the connection, which can carry nothing more once the stream is broken.
 * A request the refusal cuts short (its body came too slowly) keeps its id
 * and gets its access line as refused (see `markRefused`); `refused`
 * hears of the others, of which nothing but the status is known.
 */
export function answerParserErrors(
  refused: (requestId: string, status: number) => void,
  maxHeaderBytes: number,
): (error: ParserError, socket: Socket) => void {
  return (error, socket) => {
    // A reset connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) {
      return;
    }
    const pending = pendingAnswer(socket);
    if (pending !== undefined && anotherAnswerPending(pending) && !pending.writableFinished) {
      /*
       * A request ahead of the refused one is still being answered (RFC
       * 9112 §9.3.2 answers pipelined requests in order): its answer goes
       * out whole, and Node closes the connection after it. Destroyed at
       * once, a write it carried upstream was made and its client never
       * told.
       */
      pending.shouldKeepAlive = false;
      refused(randomUUID(), PROBLEM_CATALOGUE[parserProblemOf(error, maxHeaderBytes).kind].status);
      return;
    }
    if (socket.writable && !anotherAnswerPending(pending)) {
      const { kind, detail } = parserProblemOf(error, maxHeaderBytes);
      const { status } = PROBLEM_CATALOGUE[kind];
      const request = pending === undefined ? undefined : requestAnsweredBy(pending);
      const requestId = request?.id ?? randomUUID();
      socket.write(rawProblemResponse(kind, detail, requestId));
      if (pending === undefined) {
        refused(requestId, status);
      } else {
        markRefused(pending, status);
      }
    }
    socket.destroy(error);
  };
}

/**
 * The server's `connect` listener. Node hands a CONNECT request to these
 * listeners rather than to Fastify, and with none it destroys the socket
 * without a word; the gateway opens no tunnels, and says so. A 400 rather
 * than 501: the request names a host to tunnel to, which is no resource of
 * this gateway's, and a 5xx would read as the gateway failing. The request
 * was read whole, so it keeps the client's request id, and `refused`
 * gives it its access line and its count like any other refusal.
 */
export function refuseTunnels(
  refused: (request: IncomingMessage, requestId: string, status: number) => void,
): (request: IncomingMessage, socket: Duplex) => void {
  return (request, socket) => {
    const requestId = requestIdFrom(request.headers['x-request-id']);
    const problem = rawProblemResponse(
      'bad-request',
      'This gateway does not open tunnels (CONNECT).',
      requestId,
      randomUUID(),
    );
    socket.end(problem);
    refused(request, requestId, PROBLEM_CATALOGUE['bad-request'].status);
  };
}

/**
 * Answers a request Node hands to one of its listeners instead of to
 * Fastify (see expectations.ts), on Node's own response, and closes the
 * connection: a body the client may still send is not read. `headers` are
 * those no hook of Fastify's will set (security, CORS). Returns the
 * request id the answer carries.
 */
export function answerOnListener(
  request: IncomingMessage,
  response: ServerResponse,
  problem: { kind: ProblemKind; detail: string; headers: Record<string, string> },
): string {
  const requestId = requestIdFrom(request.headers['x-request-id']);
  const document = toProblemDocument(problem.kind, problem.detail, {
    instance: instanceOf(originForm(request.url ?? '/')),
    requestId,
  });
  const body = JSON.stringify(document);
  response
    .writeHead(document.status, {
      ...problem.headers,
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'x-request-id': requestId,
      connection: 'close',
    })
    .end(body);
  return requestId;
}

/**
 * Fastify's `frameworkErrors`: the router's refusals (a URL that cannot be
 * decoded, a path segment too long), described like any other error. Set
 * here rather than in Nest's adapter, whose version sends the error through
 * Fastify's default handler (plain JSON, no request id). Fastify answers
 * them outside every route, so no hook of the app's runs: the CORS headers
 * are set here (the security ones by `answerEarly`), and `refused` writes
 * the access line and counts the answer.
 */
export function answerRouterErrors(
  refused: (request: FastifyRequest, status: number) => void,
  corsHeaders: (request: FastifyRequest) => Record<string, string>,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const described = describeError(error);
    void reply.headers(corsHeaders(request));
    answerEarly(request, reply, described.kind, described.detail);
    refused(request, reply.statusCode);
  };
}

/**
 * Answers a request refused before it reaches Nest, as the problem filter
 * would have, with the API's security headers: the refusals of the header
 * fields come before the hook that sets them, the router's outside it.
 */
export function answerEarly(
  request: FastifyRequest,
  reply: FastifyReply,
  kind: ProblemKind,
  detail: string,
): void {
  const document = toProblemDocument(kind, detail, {
    instance: instanceOf(request.url),
    requestId: request.id,
  });
  void reply
    .status(document.status)
    .headers(EARLY_ANSWER_HEADERS)
    .headers({
      'content-type': PROBLEM_CONTENT_TYPE,
      'cache-control': 'no-store',
      'x-request-id': request.id,
    })
    .send(JSON.stringify(document));
}
