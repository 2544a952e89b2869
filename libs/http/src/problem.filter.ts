import {
  Catch,
  Logger,
  NotFoundException,
  type ArgumentsHost,
  type ExceptionFilter,
  type LoggerService,
} from '@nestjs/common';
import {
  PROBLEM_CATALOGUE,
  PROBLEM_CONTENT_TYPE,
  ProblemError,
  toProblemDocument,
  type ProblemKind,
} from '@app/problem';
import { requestContextOf } from '@app/observability';
import type { FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { isPoll } from './access-log.js';
import { describeError, type ErrorDescription } from './describe-error.js';
import type { RouteMethods } from './route-methods.js';

const MAX_INSTANCE_LENGTH = 512;

/** What reading a request's body can be refused with. */
const BODY_REFUSALS: ReadonlySet<ProblemKind> = new Set([
  'bad-request',
  'payload-too-large',
  'unsupported-media-type',
]);

const ROUTE_NOT_FOUND = describeError(new NotFoundException());

/** The path the problem happened at, without the query (it may carry things the client would not want echoed). */
export function instanceOf(url: string): string {
  const path = url.split('?', 1)[0];
  return path.length > MAX_INSTANCE_LENGTH ? path.slice(0, MAX_INSTANCE_LENGTH) : path;
}

/**
 * The one place errors become answers: everything thrown while serving a
 * request, Fastify's own parser and routing errors included, leaves as an
 * RFC 9457 problem with the request id.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  /**
   * `routes` tells a path that exists under other methods (405) or
   * versions from one that does not exist (404). `logger` is the app's own:
   * Nest's static Logger writes through whichever app set its logger last,
   * so under `npm start` the web app's 5xx lines were labelled as the
   * mobile app's.
   */
  constructor(
    private readonly routes?: RouteMethods,
    private readonly logger: LoggerService = new Logger(ProblemFilter.name),
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const described = this.answerFor(exception, request);
    const status = PROBLEM_CATALOGUE[described.kind].status;

    // The request id as a field of its own, as in the access line: a search by id finds both.
    if (described.unexpected) {
      this.logger.error(
        {
          requestId: request.id,
          method: request.method,
          path: instanceOf(request.url),
          status,
          err: exception,
          msg: `unexpected error: ${String(exception)}`,
        },
        ProblemFilter.name,
      );
    } else if (status >= 500 && !isPoll(request)) {
      // A failing health check's 503 is its report, polled every few seconds: the check that failed logs its own change.
      const cause =
        exception instanceof Error && exception.cause instanceof Error ? ` (${exception.cause.message})` : '';
      this.logger.warn(
        {
          requestId: request.id,
          status,
          msg: `answered ${status}: ${described.detail}${cause}`,
        },
        ProblemFilter.name,
      );
    }

    if (reply.sent || reply.raw.headersSent) {
      // Too late for a problem document; a half-written answer must not look complete.
      if (!reply.raw.writableEnded) {
        reply.raw.destroy();
      }
      return;
    }
    if (reply.raw.destroyed) {
      return;
    }
    const document = toProblemDocument(
      described.kind,
      described.detail,
      { instance: instanceOf(request.url), requestId: request.id },
      described.extensions,
    );
    void reply
      .status(document.status)
      .headers({ ...described.headers, 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' })
      .send(JSON.stringify(document));
  }

  private answerFor(exception: unknown, request: FastifyRequest): ErrorDescription {
    const found = describeError(exception);
    if (found.kind === 'not-found') {
      return this.routedElsewhere(exception, request) ?? found;
    }
    // Fastify reads a body before its 404 handler runs: a route that does not exist is the answer, not how its body was sent.
    if (request.is404 && BODY_REFUSALS.has(found.kind)) {
      return this.routedElsewhere(exception, request) ?? ROUTE_NOT_FOUND;
    }
    return found;
  }

  /**
   * A 405 instead of the router's 404 for a path that some route answers
   * under other methods (a DELETE of /web/preferences), with the `Allow`
   * RFC 9110 requires; and for one answered under this method but not in
   * the version asked for, a 404 that names the versions there are. A
   * handler's own 404 (an order that does not exist) is a ProblemError and
   * stays as it is.
   */
  private routedElsewhere(exception: unknown, request: FastifyRequest): ErrorDescription | undefined {
    // With CORS on, OPTIONS never gets here: @fastify/cors answers it on every path.
    if (this.routes === undefined || exception instanceof ProblemError) {
      return undefined;
    }
    const path = request.url.split('?', 1)[0];
    const method = request.method as HTTPMethods;
    const allowed = this.routes.allowedFor(path);
    if (allowed.length === 0) {
      return undefined;
    }
    if (!allowed.includes(method)) {
      // Counted under the route it names, not with the scans of paths that exist nowhere.
      const context = requestContextOf(request);
      if (context !== undefined) {
        context.route = this.routes.patternFor(path);
      }
      return {
        kind: 'method-not-allowed',
        detail: `This route accepts ${allowed.join(', ')}.`,
        headers: { allow: allowed.join(', ') },
        unexpected: false,
      };
    }
    const versions = this.routes.versionsFor(method, path);
    return versions.length === 0
      ? undefined
      : {
          kind: 'not-found',
          detail: `This route has no such version: it answers versions ${versions.join(', ')}.`,
          unexpected: false,
        };
  }
}
