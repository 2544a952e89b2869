import { endRequestSpan, startRequestSpan, traceContextOf, type Tracing } from '@app/observability';
import type { FastifyInstance } from 'fastify';
import { isPoll } from './access-log.js';

/**
 * One SERVER span per request, child of the caller's span when it sent a
 * traceparent, ended with the status sent; the request context then carries
 * the span and its trace, so sections and upstream calls become its
 * children. Registered only when tracing is on: an app without a collector
 * runs none of these hooks. Runs after the hook that builds the request
 * context. Closing the app sends the spans still queued, bounded in time.
 */
export function traceRequests(fastify: FastifyInstance, tracing: Tracing): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    // Probes poll every few seconds: a trace each says nothing, as they get no access line either.
    if (isPoll(request)) {
      done();
      return;
    }
    const context = request.context;
    const span = startRequestSpan(
      tracing.tracer,
      {
        method: request.method,
        route: request.routeOptions.url,
        path: request.url.split('?', 1)[0],
        requestId: request.id,
      },
      context.trace,
    );
    context.trace = traceContextOf(span, context.trace);
    context.span = span;
    /*
     * The client hung up before an answer: onResponse never comes, and the
     * span would never be sent. Fastify's onRequestAbort fires only while
     * the body is still being read, so a write whose client left after
     * sending it (the trace an operator looks for) went unsent.
     */
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) {
        endRequestSpan(span, undefined);
      }
    });
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = request.context?.span;
    if (span !== undefined) {
      endRequestSpan(span, reply.statusCode);
    }
    done();
  });
  fastify.addHook('onClose', () => tracing.shutdown());
}
