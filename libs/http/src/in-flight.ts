import type { FastifyInstance, FastifyRequest } from 'fastify';

const counts = new WeakMap<FastifyInstance, { value: number }>();

/**
 * Counts the requests an app is serving, so shutdown can wait for them
 * rather than cut them; `abandoned` hears of each one whose client went
 * away before its answer was written. Counted down on the response's
 * `close`, which Node emits once for every response, written or cut short:
 * Fastify's onResponse never runs for a reply whose socket is gone, and its
 * onRequestAbort only while the request is still being read, so a client
 * that hung up after sending a body left its request counted for good and
 * every later shutdown waited out the whole drain.
 */
export function trackInFlight(
  fastify: FastifyInstance,
  abandoned: (request: FastifyRequest, elapsedMs: number) => void,
): void {
  const count = { value: 0 };
  counts.set(fastify, count);
  fastify.addHook('onRequest', (request, reply, done) => {
    count.value += 1;
    reply.raw.once('close', () => {
      count.value -= 1;
      if (!reply.raw.writableFinished) {
        abandoned(request, reply.elapsedTime);
      }
    });
    done();
  });
}

export function inFlight(fastify: FastifyInstance): number {
  return counts.get(fastify)?.value ?? 0;
}
