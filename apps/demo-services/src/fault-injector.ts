import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { FaultController } from './fault-controller.js';

/** A body cut off mid-value: JSON.parse throws on it. */
const TRUNCATED_BODY = '{"id": "u1", "name": ';
/** Valid JSON in a shape no client expects, for the schema checks behind the parse. */
const WRONG_SHAPE_BODY = '{"unexpected": true}';

/**
 * Resolves true once `ms` have passed, or false as soon as the connection closes first, so a delayed
 * request never outlives its socket (or the server on close).
 */
function delay(ms: number, reply: FastifyReply): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      reply.raw.off('close', onClose);
      resolve(true);
    }, ms);
    reply.raw.once('close', onClose);
  });
}

/** Takes the reply out of Fastify's hands; the fault decides what, if anything, the socket sees. */
function abandon(reply: FastifyReply): FastifyReply {
  reply.hijack();
  return reply;
}

/**
 * The onRequest hook that applies a service's fault knobs, read once when the request arrives. Order
 * matters: a down or hanging service answers nothing, so latency, errors and garbage only apply to
 * requests that get an answer at all.
 */
export function createFaultInjector(faults: FaultController): onRequestAsyncHookHandler {
  let malformedAnswers = 0;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const knobs = faults.get();
    if (knobs.down) {
      // A reset rather than a graceful close: clients see ECONNRESET, as when a process dies.
      request.raw.socket.resetAndDestroy();
      return abandon(reply);
    }
    if (knobs.hang) {
      // The socket stays open until the client gives up; forceCloseConnections reaps it on close.
      return abandon(reply);
    }
    if (knobs.latencyMs > 0 && !(await delay(knobs.latencyMs, reply))) {
      return abandon(reply);
    }
    if (Math.random() < knobs.errorRate) {
      return reply.code(500).send({ error: 'injected failure' });
    }
    if (knobs.malformed) {
      // Alternates so clients meet both a parse failure and a shape failure.
      const body = malformedAnswers++ % 2 === 0 ? TRUNCATED_BODY : WRONG_SHAPE_BODY;
      return reply.code(200).type('application/json; charset=utf-8').send(body);
    }
    return undefined;
  };
}
