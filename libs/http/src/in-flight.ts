import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';

/** Each app's requests in flight, with the reply each is owed. */
const running = new WeakMap<FastifyInstance, Map<FastifyRequest, FastifyReply>>();
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
  const inFlightHere = new Map<FastifyRequest, FastifyReply>();
  running.set(fastify, inFlightHere);
  fastify.addHook('onRequest', (request, reply, done) => {
    inFlightHere.set(request, reply);
    requests.set(reply.raw, request);
    reply.raw.once('close', () => {
      inFlightHere.delete(request);
      if (!reply.raw.writableFinished) {
        abandoned(request, reply.elapsedTime, refusals.get(reply.raw));
      }
    });
    done();
  });
}

export function inFlight(fastify: FastifyInstance): number {
  return running.get(fastify)?.size ?? 0;
}

/** The requests in flight whose answers have not begun, with their replies: what a refusal can still be written to. */
export function unanswered(fastify: FastifyInstance): [FastifyRequest, FastifyReply][] {
  return [...(running.get(fastify) ?? [])].filter(([, reply]) => !reply.sent && !reply.raw.headersSent);
}
