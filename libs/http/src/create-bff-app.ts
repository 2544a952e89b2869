import { VersioningType, type DynamicModule, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import compress from '@fastify/compress';
import type { AppConfig } from '@app/config';
import { asksForFreshData, processLifecycle, startTracing, type RequestContext } from '@app/observability';
import type { FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Logger } from 'nestjs-pino';
import {
  gatewayLogger,
  logAbandoned,
  logAccess,
  logListenerRefusal,
  logParserRefusal,
  logRouterRefusal,
  nestLoggingModule,
} from './access-log.js';
import { DOCS_PATH, serveOpenApi } from './openapi.js';
import { HttpRequestContext } from './http-request-context.js';
import { trackInFlight } from './in-flight.js';
import { writeAtTurnEnd } from './write-at-turn-end.js';
import { releaseMemoryWhenIdle } from './release-memory-when-idle.js';
import { recordHttpMetrics, type HttpMetricsRecorder } from './http-metrics.hook.js';
import { answerEarly, answerParserErrors, answerRouterErrors, refuseTunnels } from './early-problem.js';
import { headerFieldsProblem } from './header-fields.js';
import { foreignCharset } from './body-charset.js';
import { transferCodingProblem } from './transfer-coding.js';
import { connectionLimits } from './connection-limits.js';
import { ProblemFilter } from './problem.filter.js';
import { RouteMethods } from './route-methods.js';
import { requestIdFrom } from './request-id.js';
import { originForm } from './request-target.js';
import { API_VERSION_HEADER, dropBlankVersion } from './api-version.js';
import { addSecurityHeaders, API_HELMET_OPTIONS, apiHeaders, securityHeaders } from './security-headers.js';
import { answerExpectations } from './expectations.js';
import { ANSWER_ENCODINGS, normalizedContentEncoding, spellOutWildcard } from './accept-encoding.js';
import { corsAnswerHeaders, CORS_EXPOSED_HEADERS } from './cors-answer-headers.js';
import { BootstrapChatterAsDebug } from './bootstrap-chatter.js';
import { traceRequests } from './request-span.hook.js';

/** The method label of a request the parser refused. */
const UNPARSED_METHOD = 'UNKNOWN';

/** Until pino takes over after init: Nest's line-per-module bootstrap chatter stays quiet, problems still show. */
const BOOTSTRAP_LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn'];

declare module 'fastify' {
  interface FastifyRequest {
    context: RequestContext;
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** What an app is called: `name` in telemetry (`mobile-bff`), `title` and `description` in its docs. */
export interface AppAbout {
  name: string;
  title: string;
  description: string;
  /** Paths the app serves that no decorator describes (routes made from configuration), for the OpenAPI document. */
  paths?: Record<string, Record<string, unknown>>;
}

/** One Fastify instance tuned for a gateway: bounded bodies and slow clients, quick shutdown. */
function gatewayAdapter(
  config: AppConfig,
  refused: {
    router: (request: FastifyRequest, status: number) => void;
    parser: (requestId: string, status: number) => void;
  },
): FastifyAdapter {
  const tls = config.http.tls;
  const limits = connectionLimits(config.http);
  return new FastifyAdapter({
    // Read once at start: a certificate that cannot be read stops the app before it listens.
    ...(tls === undefined
      ? { http: limits }
      : { https: { ...limits, cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } }),
    logger: false,
    bodyLimit: config.http.bodyLimitBytes,
    requestIdHeader: false,
    // X-Forwarded-For is believed only from these peers; from anyone else request.ip is the socket's address.
    trustProxy: config.http.trustedProxies.length > 0 ? config.http.trustedProxies : false,
    genReqId: (raw: IncomingMessage) => requestIdFrom(raw.headers['x-request-id']),
    // Longer than the load balancer's idle timeout, so it never reuses a socket we are closing.
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    // Bounds how long a slow client may take to send its request (slowloris).
    requestTimeout: config.http.requestTimeoutMs,
    routerOptions: { maxParamLength: 256 },
    // What routing reads, made plain once before it routes: an absolute-form target (`GET http://host/path`)
    // read as its path, a blank X-Api-Version as none.
    rewriteUrl: (raw: IncomingMessage) => {
      dropBlankVersion(raw.headers);
      return originForm(raw.url ?? '/');
    },
    // Requests refused before routing leave as problem+json too, like every other error.
    clientErrorHandler: answerParserErrors(refused.parser, config.http.maxHeaderBytes),
    frameworkErrors: answerRouterErrors(refused.router, (request) =>
      corsAnswerHeaders(header(request, 'origin'), config.http.corsOrigins),
    ),
    return503OnClosing: true,
    // Keep-alive sockets of clients would otherwise hold close() open until they time out.
    forceCloseConnections: true,
  });
}

/** What a browser page on an allowed origin may send: the bearer token, a JSON body, and our own request headers. */
const CORS_REQUEST_HEADERS = [
  'Authorization',
  'Content-Type',
  'Idempotency-Key',
  'X-Request-Id',
  'If-None-Match',
  // PATCH /web/preferences takes If-Match (`*`, or a 412).
  'If-Match',
  // The README's way to skip the cache: a page must be able to send it, and Pragma, which older code sends beside it.
  'Cache-Control',
  'Pragma',
  API_VERSION_HEADER,
  // W3C trace context, which OpenTelemetry's browser fetch instrumentation adds to every call.
  'traceparent',
  'tracestate',
];

/**
 * CORS through `@fastify/cors`, whose request hook Nest's Fastify adapter runs
 * before middleware, guards and interceptors: a preflight is answered 204
 * there, so it is never refused by the auth guard nor counted by the
 * throttler. `*` allows any origin, without credentials; an allowlisted
 * origin may send them (a web app behind a cookie-carrying ingress).
 */
function enableCors(app: NestFastifyApplication, origins: readonly string[]): void {
  const anyOrigin = origins.includes('*');
  // @fastify/cors adds `Vary: Origin` when the answer depends on it; later Vary fields are appended to it, never replace it.
  app.enableCors({
    origin: anyOrigin ? '*' : [...origins],
    methods: ['GET', 'PATCH', 'POST', 'OPTIONS'],
    allowedHeaders: CORS_REQUEST_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    // Allowlisted origins may send credentials; `*` never may (browsers refuse the pair anyway).
    credentials: !anyOrigin,
    // An OPTIONS without Origin is no preflight, but @fastify/cors's strict mode answers it with a text/plain 400,
    // the one error that would not be problem+json; it gets the same empty 204 instead.
    strictPreflight: false,
    // Browsers cap this (Chromium at 2 hours); ten minutes keeps a changed policy from lingering long.
    maxAge: 600,
  });
}

/**
 * Builds a BFF the same way for every app: the Fastify adapter, the request
 * context (id and trace) that every later unit reads, `X-Request-Id` on every
 * answer, the problem+json filter and CORS. The caller decides when to listen.
 */
export async function createBffApp(
  rootModule: Type<unknown> | DynamicModule,
  config: AppConfig,
  about: AppAbout = {
    name: 'bff-gateway',
    title: 'BFF gateway',
    description: 'A Backend-for-Frontend app',
  },
): Promise<NestFastifyApplication> {
  const logger = gatewayLogger(config, about.title);
  const root: DynamicModule = {
    module: class BffRootModule {},
    imports: [rootModule, nestLoggingModule(logger)],
  };
  // Refusals answered outside every hook (the router's, the parser's, Node's listeners'): logged here, and counted
  // once the metrics exist.
  let httpMetrics: HttpMetricsRecorder | undefined;
  const logRouterAnswer = logRouterRefusal(logger);
  const routerRefused = (request: FastifyRequest, status: number): void => {
    logRouterAnswer(request, status);
    httpMetrics?.refused(request.method, status);
  };
  const logParserAnswer = logParserRefusal(logger);
  const parserRefused = (requestId: string, status: number): void => {
    logParserAnswer(requestId, status);
    // No method is labelled from bytes the parser refused: any token would become a series of its own.
    httpMetrics?.refused(UNPARSED_METHOD, status);
  };
  const logListenerAnswer = logListenerRefusal(logger);
  const listenerRefused = (request: IncomingMessage, requestId: string, status: number): void => {
    logListenerAnswer(request, requestId, status);
    httpMetrics?.refused(request.method ?? 'GET', status);
  };
  const app = await NestFactory.create<NestFastifyApplication>(
    root,
    gatewayAdapter(config, { router: routerRefused, parser: parserRefused }),
    {
      logger: BOOTSTRAP_LOG_LEVELS,
      abortOnError: false,
      // Fastify's own JSON parser alone: Nest would add a form parser, which no route of this JSON API wants.
      bodyParser: false,
    },
  );
  const fastify = app.getHttpAdapter().getInstance();
  fastify.server.on('connect', refuseTunnels(listenerRefused));
  /*
   * Node keeps only the first 1,000 header lines and drops the rest without
   * a word, so a second Authorization behind a thousand filler lines went
   * unseen by the check for repeated fields. The byte limit (maxHeaderSize)
   * still bounds a request's headers.
   */
  fastify.server.maxHeadersCount = 0;
  const listenerHeaders = apiHeaders();
  answerExpectations(fastify.server, {
    bodyLimitBytes: config.http.bodyLimitBytes,
    headers: (request) => ({
      ...listenerHeaders,
      ...corsAnswerHeaders(request.headers.origin, config.http.corsOrigins),
    }),
    refused: listenerRefused,
  });
  /*
   * Every body a route takes is JSON. Fastify parses text/plain as a string,
   * which fetch() sends a string body as by default: the client was told its
   * body "received string" where the fix is its content type. Now a 415.
   */
  fastify.removeContentTypeParser('text/plain');
  // Before any route is added: the filter below tells a 405 from a 404 by them.
  const routes = RouteMethods.of(fastify);
  const logAbandonedRequest = logAbandoned(logger);
  trackInFlight(fastify, (request, elapsedMs, refusedWith) => {
    logAbandonedRequest(request, elapsedMs, refusedWith);
    httpMetrics?.abandoned(request, elapsedMs, refusedWith);
  });
  writeAtTurnEnd(fastify);
  releaseMemoryWhenIdle(fastify);
  logAccess(fastify, logger);
  httpMetrics = recordHttpMetrics(app);
  fastify.decorateRequest('context');
  fastify.addHook('onRequest', (request, reply, done) => {
    /*
     * Node's parser reads `HTTP/2.0` in a request line as it reads 1.1, and
     * refuses 3.0 or 1.9 as malformed: the same 400 for both, rather than
     * answering a protocol this gateway does not speak (nor a 505, which
     * would count as the gateway failing).
     */
    if (request.raw.httpVersionMajor !== 1) {
      void reply.header('connection', 'close');
      answerEarly(request, reply, 'bad-request', 'The request is not valid HTTP/1.1.');
      return;
    }
    const fieldsProblem = headerFieldsProblem(request.raw);
    if (fieldsProblem !== undefined) {
      answerEarly(request, reply, 'bad-request', fieldsProblem);
      return;
    }
    const coding = request.headers['transfer-encoding'];
    const bodyLength = request.headers['content-length'];
    const hasBody = coding !== undefined || (bodyLength !== undefined && bodyLength !== '0');
    if (coding !== undefined) {
      const codingProblem = transferCodingProblem(coding);
      if (codingProblem !== undefined) {
        // The body's framing is the client's own: nothing more on this connection can be read with certainty.
        void reply.header('connection', 'close');
        answerEarly(request, reply, 'not-implemented', codingProblem);
        return;
      }
    }
    // Only a body is decoded: a probe, a scrape or a GET that names a charset has nothing to read in it.
    const contentType = request.headers['content-type'];
    if (hasBody && contentType !== undefined && foreignCharset(contentType) !== undefined) {
      answerEarly(request, reply, 'unsupported-media-type', 'A JSON body must be sent in UTF-8 (RFC 8259).');
      return;
    }
    // Before the compression plugin reads them: the body's coding as it parses the body, the accepted ones in onSend.
    const accepted = request.headers['accept-encoding'];
    if (accepted !== undefined && accepted.includes('*')) {
      request.headers['accept-encoding'] = spellOutWildcard(accepted, ANSWER_ENCODINGS);
    }
    const bodyCoding = request.headers['content-encoding'];
    if (bodyCoding !== undefined) {
      request.headers['content-encoding'] = normalizedContentEncoding(bodyCoding);
    }
    const context = new HttpRequestContext(
      request.id,
      header(request, 'traceparent'),
      performance.now(),
      asksForFreshData(header(request, 'cache-control'), header(request, 'pragma')),
      request.routeOptions.url,
      header(request, 'tracestate'),
    );
    request.context = context;
    // A body is read before the route runs; a slow upload must not spend the budget of the calls that follow it.
    if (hasBody) {
      request.raw.once('end', () => {
        context.bodyReceivedAt = performance.now();
      });
    }
    done();
  });
  const tracing = await startTracing(config.tracing, about.name);
  if (tracing !== undefined) {
    traceRequests(fastify, tracing);
  }
  const preflightHeaders = securityHeaders(API_HELMET_OPTIONS);
  // In onSend, so answers given before the route's hooks run (a CORS preflight) carry the id too.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    // Nest's adapter runs the CORS hook, which answers a preflight, before any hook of ours: its security headers come here.
    if (request.method === 'OPTIONS') {
      void reply.headers(preflightHeaders);
    }
    // Once shutdown begins, each answer closes its connection: a keep-alive client's next request goes to an instance that stays.
    if (processLifecycle.shuttingDown) {
      void reply.header('connection', 'close');
    }
    done(null, payload);
  });
  app.useGlobalFilters(new ProblemFilter(routes, app.get(Logger)));
  // A route may exist in several versions; a request without the header (or with a blank one) gets the neutral one.
  app.enableVersioning({ type: VersioningType.HEADER, header: API_VERSION_HEADER });
  if (config.http.corsOrigins.length > 0) {
    enableCors(app, config.http.corsOrigins);
  }
  addSecurityHeaders(fastify, `/${DOCS_PATH}`);
  // gzip only, and only past 2 KiB: order lists and the dashboard gain, a profile is too small to, and brotli costs
  // more CPU per request than it saves on a phone's link.
  await app.register(compress, { encodings: [...ANSWER_ENCODINGS], threshold: 2048 });
  serveOpenApi(app, about);
  // Before init, whose hooks (Redis connecting, say) log: every line from here on is pino's JSON.
  app.useLogger(new BootstrapChatterAsDebug(app.get(Logger)));
  await app.init();
  return app;
}

/** Builds a BFF and listens on `port` (its configured port unless a test asks for another, such as 0). */
export async function startBffApp(
  rootModule: Type<unknown> | DynamicModule,
  config: AppConfig,
  about: AppAbout,
  port: number,
): Promise<NestFastifyApplication> {
  const app = await createBffApp(rootModule, config, about);
  await app.listen({ port, host: config.http.host });
  return app;
}
