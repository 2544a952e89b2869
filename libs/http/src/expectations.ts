import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { answerOnListener } from './early-problem.js';

export interface ExpectationAnswers {
  /** The largest body a route takes (BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
  /** What no hook of Fastify's will add to these answers: the security headers, the CORS ones for the request's origin. */
  headers: (request: IncomingMessage) => Record<string, string>;
  /** Writes the access line and counts the answer. */
  refused: (request: IncomingMessage, requestId: string, status: number) => void;
}

/**
 * Node answers what a request's `Expect` asks for itself, before Fastify
 * sees the request, unless the server listens for it:
 * - `100-continue`: a client waits for the 100 before it sends its body,
 *   and Node sends it at once, inviting a body no route would take. Here a
 *   body declared past the limit is refused before the client sends a byte
 *   of it; any other gets its 100 and goes on to Fastify as Node would send
 *   it, where the content type and a chunked body's size are checked.
 * - anything else: Node's answer is a bare 417 (no body, no request id, no
 *   security headers, no access line). The gateway meets no other
 *   expectation, and says so as a problem.
 */
export function answerExpectations(server: HttpServer | HttpsServer, answers: ExpectationAnswers): void {
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const requestId = answerOnListener(request, response, {
      kind: 'expectation-failed',
      detail: 'This gateway meets no expectation but 100-continue.',
      headers: answers.headers(request),
    });
    answers.refused(request, requestId, response.statusCode);
  });
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    if (Number(request.headers['content-length']) > answers.bodyLimitBytes) {
      const requestId = answerOnListener(request, response, {
        kind: 'payload-too-large',
        detail: 'The request body is larger than this gateway accepts.',
        headers: answers.headers(request),
      });
      answers.refused(request, requestId, response.statusCode);
      return;
    }
    response.writeContinue();
    server.emit('request', request, response);
  });
}
