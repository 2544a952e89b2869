import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { METRICS_PATH, Metrics, requestContextOf } from '@app/observability';
import { PROBLEM_CATALOGUE } from '@app/problem';
import type { FastifyRequest } from 'fastify';

const CLIENT_CLOSED = PROBLEM_CATALOGUE['client-closed'].status;

/** The label of a request that matched no route: a scan of random paths must not mint a series per path. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The route pattern (`/mobile/orders/:id`), never the raw URL, so ids and query strings never become labels. */
export function routeLabel(routePattern: string | undefined): string {
  return routePattern === undefined || routePattern === '' ? UNMATCHED_ROUTE : routePattern;
}

/** A request's route label. The context holds the pattern already: Fastify's routeOptions getter builds a dozen-field object per call. */
function routeOf(request: FastifyRequest): string {
  return routeLabel(requestContextOf(request)?.route ?? request.routeOptions.url);
}

function metricsOf(app: NestFastifyApplication): Metrics | undefined {
  try {
    return app.get(Metrics, { strict: false });
  } catch {
    // An app built without MetricsModule (a test's probe app) has no registry to record into.
    return undefined;
  }
}

/**
 * Times every answer in `http_request_duration_seconds`, in `onResponse`, so
 * answers given before a route's handler runs (a 401, a 429, a preflight, a
 * 404) are counted too. Scrapes of `/metrics` are left out: they would
 * measure the scraper. Returns how to count what is answered outside every
 * hook: the router's refusals (a URL it cannot decode) and the answers given
 * on Node's own listeners (an `Expect` the gateway cannot meet).
 */
export interface HttpMetricsRecorder {
  /** An answer given outside every hook, to a request no route took. */
  refused(method: string, status: number): void;
  /**
   * A request whose answer was never written: its client left (499), or
   * the gateway refused it on its socket (`refusedWith`). Fastify's
   * onResponse never runs for them, and they are the slowest of a
   * slowdown: left out, they made its p99 and request rate look better.
   */
  abandoned(request: FastifyRequest, elapsedMs: number, refusedWith: number | undefined): void;
}

export function recordHttpMetrics(app: NestFastifyApplication): HttpMetricsRecorder | undefined {
  const metrics = metricsOf(app);
  if (metrics === undefined) {
    return undefined;
  }
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      const route = routeOf(request);
      if (route !== METRICS_PATH) {
        metrics.recordHttpRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
      }
      done();
    });
  return {
    refused: (method, status) => metrics.recordHttpRequest(UNMATCHED_ROUTE, method, status, 0),
    abandoned: (request, elapsedMs, refusedWith) => {
      const route = routeOf(request);
      if (route !== METRICS_PATH) {
        metrics.recordHttpRequest(route, request.method, refusedWith ?? CLIENT_CLOSED, elapsedMs / 1000);
      }
    },
  };
}
