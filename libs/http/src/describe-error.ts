import { HttpException } from '@nestjs/common';
import { ProblemError, problemKindForStatus, type ProblemKind } from '@app/problem';

/** What the client is told about an error: never a stack, an upstream host or an internal message. */
export interface ErrorDescription {
  kind: ProblemKind;
  detail: string;
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** True when nothing in our catalogue expected this error: it is logged in full. */
  unexpected: boolean;
}

/**
 * Fastify's own client errors, by code, told in words that do not echo the
 * parser's internals. A code whose status says it all (413, 415) is told
 * in its kind's words below.
 */
const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The Content-Length header does not match the request body.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request declares a JSON body but sends none.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_EMPTY_TYPE: 'The Content-Type header is empty.',
  FST_ERR_CTP_INVALID_TYPE: 'The Content-Type header is not valid.',
  FST_ERR_BAD_URL: 'The request URL is not valid.',
  // @fastify/compress's: the content type may be right, and the client should not be told to change it.
  FST_CP_ERR_INVALID_CONTENT_ENCODING:
    'The request body has a Content-Encoding this gateway does not accept: send it uncompressed, or as gzip, deflate or br.',
  FST_CP_ERR_INVALID_CONTENT: 'The request body cannot be decompressed with the Content-Encoding it names.',
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment of the request URL is longer than this gateway accepts.',
  FST_ERR_ASYNC_CONSTRAINT: 'The request does not match any version of this route.',
};

const GENERIC_DETAILS: Partial<Record<ProblemKind, string>> = {
  'bad-request': 'The request is not valid.',
  unauthorized: 'Authentication is required.',
  forbidden: 'The caller may not do this.',
  'not-found': 'No resource matches this request.',
  'method-not-allowed': 'This route does not accept that method.',
  'payload-too-large': 'The request body is larger than this gateway accepts.',
  'unsupported-media-type':
    'The request body has a content type this route does not accept: send application/json.',
  'too-many-requests': 'Too many requests; retry later.',
};

const INTERNAL_DETAIL = 'The gateway failed to handle this request. Quote the request id when reporting it.';

function fastifyCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('FST_') ? code : undefined;
}

function isJsonSyntaxError(error: unknown): boolean {
  return error instanceof SyntaxError && (error as { statusCode?: unknown }).statusCode === 400;
}

/** Nest's validation answers carry a list of messages; those are for the client and are kept. */
function validationMessages(exception: HttpException): string[] | undefined {
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null) {
    const message = (response as { message?: unknown }).message;
    if (Array.isArray(message) && message.every((item) => typeof item === 'string')) {
      return message;
    }
  }
  return undefined;
}

function describeClientError(
  status: number,
  cause: unknown,
  exception: HttpException | undefined,
): ErrorDescription {
  const kind = problemKindForStatus(status);
  const code = fastifyCode(cause);
  if (code !== undefined) {
    return {
      kind,
      detail: FASTIFY_DETAILS[code] ?? GENERIC_DETAILS[kind] ?? 'The request is not valid.',
      // RFC 9110 §12.5.3: a 415 for a content coding names the codings that would be accepted.
      ...(code === 'FST_CP_ERR_INVALID_CONTENT_ENCODING'
        ? { headers: { 'accept-encoding': 'gzip, deflate, br' } }
        : {}),
      unexpected: false,
    };
  }
  if (isJsonSyntaxError(cause)) {
    return { kind, detail: FASTIFY_DETAILS.FST_ERR_CTP_INVALID_JSON_BODY, unexpected: false };
  }
  if (exception !== undefined) {
    const messages = validationMessages(exception);
    if (messages !== undefined) {
      return {
        kind: 'validation',
        detail: messages.join('; '),
        extensions: { errors: messages },
        unexpected: false,
      };
    }
  }
  return { kind, detail: GENERIC_DETAILS[kind] ?? 'The request is not valid.', unexpected: false };
}

/** Terminus fails a check with a 503 whose body is the whole report; an operator needs its details. */
function healthReport(exception: HttpException): Record<string, unknown> | undefined {
  const response = exception.getResponse();
  return exception.getStatus() === 503 &&
    typeof response === 'object' &&
    response !== null &&
    'details' in response
    ? (response as Record<string, unknown>)
    : undefined;
}

/** Maps anything thrown while serving a request onto a catalogue entry. */
export function describeError(error: unknown): ErrorDescription {
  if (error instanceof ProblemError) {
    return {
      kind: error.kind,
      detail: error.detail,
      extensions: error.extensions,
      headers: error.headers,
      unexpected: error.status >= 500 && error.kind === 'internal',
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 400 && status < 500) {
      return describeClientError(status, error.cause, error);
    }
    const health = healthReport(error);
    if (health !== undefined) {
      return {
        kind: 'service-unavailable',
        detail: 'One or more health checks failed.',
        extensions: health,
        unexpected: false,
      };
    }
    return { kind: problemKindForStatus(status), detail: INTERNAL_DETAIL, unexpected: true };
  }
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return describeClientError(statusCode, error, undefined);
  }
  return { kind: 'internal', detail: INTERNAL_DETAIL, unexpected: true };
}
