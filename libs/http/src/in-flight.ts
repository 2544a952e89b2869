import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';

const counts = new WeakMap<FastifyInstance, { value: number }>();
/** The request each answer in progress is for, so that a refusal written on its socket can name it. */
const requests = new WeakMap<ServerResponse, FastifyRequest>();
/** Answers the gateway replaced with a refusal of its own (a body too slow to arrive), by the refusal's status. */
const refusals = new WeakMap<ServerResponse, number>();

/** The request `response` answers, while it is in flight. */
export function requestAnsweredBy(response: ServerResponse): FastifyRequest | undefined {
  return requests.get(response);
}

/** Records that the gateway refused the request `response` was for with `status`, writing on its socket itself. */
export function markRefused(response: ServerResponse, status: number): void {
  refusals.set(response, status);
}

/**
 * Counts the requests an app is serving, so shutdown can wait for them
 * rather than cut them; `abandoned` hears of each one whose answer was
 * never written: its client went away, or the gateway refused it on its
 * socket (`refusedWith`, see {@link markRefused}). Counted down on the response's
 * `close`, which Node emits once for every response, written or cut short:
 * Fastify's onResponse never runs for a reply whose socket is gone, and its
 * onRequestAbort only while the request is still being read, so a client
 * that hung up after sending a body left its request counted for good and
 * every later shutdown waited out the whole drain.
 */
export function trackInFlight(
  fastify: FastifyInstance,
  abandoned: (request: FastifyRequest, elapsedMs: number, refusedWith: number | undefined) => void,
): void {
  const count = { value: 0 };
  counts.set(fastify, count);
  fastify.addHook('onRequest', (request, reply, done) => {
    count.value += 1;
    requests.set(reply.raw, request);
    reply.raw.once('close', () => {
      count.value -= 1;
      if (!reply.raw.writableFinished) {
        abandoned(request, reply.elapsedTime, refusals.get(reply.raw));
      }
    });
    done();
  });
}

export function inFlight(fastify: FastifyInstance): number {
  return counts.get(fastify)?.value ?? 0;
}
