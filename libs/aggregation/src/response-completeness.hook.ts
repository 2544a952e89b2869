import type { FastifyInstance } from 'fastify';
import { completenessOf } from './aggregate-meta.js';

/**
 * Says in `X-Response-Complete` what `meta.degraded` says, for clients that
 * only read headers. A Fastify hook on the body about to be serialized
 * rather than an interceptor, which would wrap every request in rxjs
 * operators. A route whose answers are cached hands on JSON text instead of
 * the body (no hook sees it); the response cache sets the header for those.
 */
export function sayResponseCompleteness(fastify: FastifyInstance): void {
  fastify.addHook('preSerialization', (_request, reply, payload, done) => {
    const complete = completenessOf(payload);
    if (complete !== undefined) {
      void reply.header('x-response-complete', complete);
    }
    done(null, payload);
  });
}
