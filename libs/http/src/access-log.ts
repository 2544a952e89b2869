import type { DynamicModule } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import { PROBLEM_CATALOGUE } from '@app/problem';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { originForm } from './request-target.js';
import { byteDestination, TurnBatchedLog, writesWithoutWaiting } from './turn-batched-log.js';

/**
 * The routes orchestrators and scrapers poll every few seconds: their lines
 * would drown the rest. By the route a request matched, not its path, so a
 * scan of /health/anything (a 404) is logged like any other.
 */
const QUIET_ROUTES = /^\/(health|metrics)(\/|$)/;

export function isPoll(request: FastifyRequest): boolean {
  // The request context holds the pattern already; routeOptions builds an object per call, for requests without one.
  const route = request.context?.route ?? request.routeOptions.url;
  return route !== undefined && QUIET_ROUTES.test(route);
}

/** Credentials never reach a log line, whatever field they arrive in. */
const REDACTED = [
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["proxy-authorization"]',
];

/**
 * One pino logger per app: JSON lines, readable in development. Outside
 * development lines go to stdout a turn's lines in one write: synchronously
 * to a file or /dev/null, which never make a writer wait, asynchronously to
 * a pipe, where a synchronous write would block the event loop while a slow
 * reader catches up. What is left is flushed when the process exits.
 *
 * Development's pretty lines are formatted in the process, not by a pino
 * transport: a transport's worker thread, writing into a pipe whose reader
 * had gone (`npm start | grep ...`, then Ctrl-C), held the exit 10 s in a
 * flush that could never finish, then threw. pino-pretty's own destination
 * drops a broken pipe's writes.
 */
export function gatewayLogger(config: AppConfig, app: string): Logger {
  const options = {
    level: config.logLevel,
    base: { app },
    redact: { paths: REDACTED, censor: '[redacted]' },
  };
  if (config.environment === 'development') {
    // Required here, not imported above: production never loads the pretty printer's module graph.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
    return pino(options, pretty({ singleLine: true, translateTime: 'SYS:HH:MM:ss.l' }));
  }
  return pino(options, new TurnBatchedLog(byteDestination(1, writesWithoutWaiting(1))));
}

/**
 * Every Nest log line through the same pino logger (nestjs-pino). Its
 * per-request middleware is left off (`forRoutes: []`): it would only bind a
 * child logger per request in an AsyncLocalStorage, whose promise hooks cost
 * every request 5% of its CPU (see request-context.ts), while the access
 * line below already carries the request's id and a problem's log line names
 * the request itself.
 */
export function nestLoggingModule(logger: Logger): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger, autoLogging: false }, forRoutes: [] });
}

/** What the access line says of a request, whatever became of it. */
function accessLine(request: FastifyRequest, status: number, ms: number): Record<string, unknown> {
  // The path alone: a query may carry what a client should not have put in a URL (a token).
  const path = request.url.split('?', 1)[0];
  return {
    requestId: request.id,
    caller: request.context?.callerId,
    method: request.method,
    // The request context holds the pattern already: Fastify's routeOptions getter builds a dozen-field object per call.
    route: request.context?.route ?? request.routeOptions.url ?? 'unmatched',
    path,
    status,
    ms,
    upstream: request.context?.upstreamCalls,
  };
}

/**
 * One access line per request: its id, the caller (never the token), the
 * route pattern and path (never the query, which may hold anything a client
 * typed), status, duration, and each upstream attempt's service, outcome and
 * time. Written from a Fastify hook, so answers given before any route
 * handler (401s, 404s, 429s) get their line too.
 */
export function logAccess(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!isPoll(request)) {
      const status = reply.statusCode;
      const line = accessLine(request, status, Math.round(reply.elapsedTime));
      // A 501 refuses what the client sent (a transfer coding the gateway does not take): no failure of the gateway's.
      if (status >= 500 && status !== 501) {
        logger.error(line, 'request failed');
      } else if (status >= 400) {
        logger.warn(line, 'request refused');
      } else {
        logger.info(line, 'request completed');
      }
    }
    done();
  });
}

/**
 * The access line of a request whose answer was never written: Fastify
 * runs no onResponse hook for it, and a write it made upstream (a PATCH)
 * would otherwise leave no trace at the gateway. Refused by the gateway on
 * its socket (a body that came too slowly: 408), with that status, as a
 * refusal; else its client went away: 499, nginx's code for it, at info,
 * since clients on phones hang up often.
 */
export function logAbandoned(
  logger: Logger,
): (request: FastifyRequest, elapsedMs: number, refusedWith: number | undefined) => void {
  return (request, elapsedMs, refusedWith) => {
    if (isPoll(request)) {
      return;
    }
    const ms = Math.round(elapsedMs);
    if (refusedWith === undefined) {
      logger.info(
        accessLine(request, PROBLEM_CATALOGUE['client-closed'].status, ms),
        'client closed the connection before the answer',
      );
    } else {
      logger.warn(accessLine(request, refusedWith, ms), 'request refused');
    }
  };
}

/** The access line of a request the router refused (a URL it cannot decode): Fastify runs no hook for it. */
export function logRouterRefusal(logger: Logger): (request: FastifyRequest, status: number) => void {
  return (request, status) => {
    logger.warn(accessLine(request, status, 0), 'request refused');
  };
}

/**
 * The access line of a request the HTTP parser refused (headers too large
 * or too slow, bytes that are not HTTP): no request was ever made of it, so
 * the line holds the id its problem answer carried and the status alone.
 */
export function logParserRefusal(logger: Logger): (requestId: string, status: number) => void {
  return (requestId, status) => {
    logger.warn({ requestId, route: 'unmatched', status }, 'request refused');
  };
}

/**
 * The access line of a request answered on one of Node's own listeners (an
 * `Expect` the gateway cannot meet): Fastify never saw it, so the line is
 * made of the raw request, its path without the query, like any other.
 */
export function logListenerRefusal(
  logger: Logger,
): (request: IncomingMessage, requestId: string, status: number) => void {
  return (request, requestId, status) => {
    const path = originForm(request.url ?? '/').split('?', 1)[0];
    logger.warn(
      { requestId, method: request.method, route: 'unmatched', path, status, ms: 0 },
      'request refused',
    );
  };
}
