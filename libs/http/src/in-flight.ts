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
 * Every app's requests in flight, each in a slot of one array, the slot
 * given to the next request once its response closes. A parser refusal
 * knows the socket's pending response, not the app, and the launcher's
 * apps share the process; looking a response up is a walk, which only a
 * refusal of a request whose body came too slowly, or a shutdown, pays.
 * Not a Map or a WeakMap keyed by the response: either, one entry per
 * request, cost about a tenth of a cache miss's CPU in alternating rounds
 * (bench/RESULTS.md, the thirty-eighth session).
 */
const slots: (InFlightRequest | undefined)[] = [];
const freeSlots: number[] = [];

function entryFor(response: ServerResponse): InFlightRequest | undefined {
  return slots.find((entry) => entry?.reply.raw === response);
}

const counts = new WeakMap<FastifyInstance, { value: number }>();

/** The request `response` answers, while it is in flight. */
export function requestAnsweredBy(response: ServerResponse): FastifyRequest | undefined {
  return entryFor(response)?.request;
}

/** Records that the gateway refused the request `response` was for with `status`, writing on its socket itself. */
export function markRefused(response: ServerResponse, status: number): void {
  const entry = entryFor(response);
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
    const slot = freeSlots.pop() ?? slots.length;
    slots[slot] = entry;
    count.value += 1;
    reply.raw.once('close', () => {
      count.value -= 1;
      slots[slot] = undefined;
      freeSlots.push(slot);
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
  return slots
    .filter(
      (entry): entry is InFlightRequest =>
        entry !== undefined && entry.app === fastify && !entry.reply.sent && !entry.reply.raw.headersSent,
    )
    .map(({ request, reply }) => [request, reply]);
}
