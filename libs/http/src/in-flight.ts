import type { FastifyInstance } from 'fastify';

const counts = new WeakMap<FastifyInstance, { value: number }>();

/** Counts the requests an app is serving, so shutdown can wait for them rather than cut them. */
export function trackInFlight(fastify: FastifyInstance): void {
  const count = { value: 0 };
  counts.set(fastify, count);
  fastify.addHook('onRequest', (_request, _reply, done) => {
    count.value += 1;
    done();
  });
  const finished = (_request: unknown, _reply: unknown, done: () => void): void => {
    count.value -= 1;
    done();
  };
  fastify.addHook('onResponse', finished);
  fastify.addHook('onRequestAbort', (_request, done) => finished(undefined, undefined, done));
}

export function inFlight(fastify: FastifyInstance): number {
  return counts.get(fastify)?.value ?? 0;
}
