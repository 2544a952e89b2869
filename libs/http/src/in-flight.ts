import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';

/** A request being served, the reply it is owed, and the refusal written in its place, if the gateway wrote one. */
interface InFlightRequest {
  app: FastifyInstance;
  request: FastifyRequest;
  reply: FastifyReply;
  refusedWith?: number;
}

/*
 * Every app's requests in flight, by the response each is owed: a Map,
 * emptied as each response closes, rather than a WeakMap, whose entries
 * with short-lived keys every scavenge of the young generation has to
 * visit. A parser refusal knows the socket's pending response, not the
 * app; the launcher's apps share the process.
 */
const inFlightRequests = new Map<ServerResponse, InFlightRequest>();
const counts = new WeakMap<FastifyInstance, { value: number }>();

/** The request `response` answers, while it is in flight. */
export function requestAnsweredBy(response: ServerResponse): FastifyRequest | undefined {
  return inFlightRequests.get(response)?.request;
}

/** Records that the gateway refused the request `response` was for with `status`, writing on its socket itself. */
export function markRefused(response: ServerResponse, status: number): void {
  const entry = inFlightRequests.get(response);
  if (entry !== undefined) {
    entry.refusedWith = status;
  }
}

/**
 * Counts the requests an app is serving, so shutdown can wait for them
 * rather than cut them; `abandoned` hears of each one whose answer was
 * never written: its client went away, or the gateway refused it on its
 * socket (`refusedWith`, see {@link markRefused}). Counted down on the
 * response's `close`, which Node emits once for every response, written or
 * cut short: Fastify's onResponse never runs for a reply whose socket is
 * gone, and its onRequestAbort only while the request is still being read,
 * so a client that hung up after sending a body left its request counted
 * for good and every later shutdown waited out the whole drain.
 */
export function trackInFlight(
  fastify: FastifyInstance,
  abandoned: (request: FastifyRequest, elapsedMs: number, refusedWith: number | undefined) => void,
): void {
  const count = { value: 0 };
  counts.set(fastify, count);
  fastify.addHook('onRequest', (request, reply, done) => {
    const entry: InFlightRequest = { app: fastify, request, reply };
    count.value += 1;
    inFlightRequests.set(reply.raw, entry);
    reply.raw.once('close', () => {
      count.value -= 1;
      inFlightRequests.delete(reply.raw);
      if (!reply.raw.writableFinished) {
        abandoned(request, reply.elapsedTime, entry.refusedWith);
      }
    });
    done();
  });
}

export function inFlight(fastify: FastifyInstance): number {
  return counts.get(fastify)?.value ?? 0;
}

/** The app's requests in flight whose answers have not begun, with their replies: what a refusal can still be written to. */
export function unanswered(fastify: FastifyInstance): [FastifyRequest, FastifyReply][] {
  return [...inFlightRequests.values()]
    .filter(({ app, reply }) => app === fastify && !reply.sent && !reply.raw.headersSent)
    .map(({ request, reply }) => [request, reply]);
}
