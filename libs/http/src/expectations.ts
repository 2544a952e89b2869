import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { answerOnListener } from './early-problem.js';

export interface ExpectationAnswers {
  /** What no hook of Fastify's will add to these answers: the security headers, the CORS ones for the request's origin. */
  headers: (request: IncomingMessage) => Record<string, string>;
  /** Writes the access line and counts the answer. */
  refused: (request: IncomingMessage, requestId: string, status: number) => void;
}

/**
 * Node answers an `Expect` other than 100-continue itself, with a bare 417
 * (no body, no request id, no security headers, no access line), unless the
 * server listens for `checkExpectation`; then the request never reaches
 * Fastify. The gateway meets no other expectation, and says so as a problem.
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
}
