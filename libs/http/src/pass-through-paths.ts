import type { PassThroughRoute } from '@app/config';
import { documentedResponses } from './api-answer.decorator.js';
import type { ProblemKind } from '@app/problem';

/** Any JSON: a relay passes on what its service answers, whatever its shape. */
const ANY_JSON = {};

/** What a relay may answer with besides the service's own answer: its refusals passed on, and the gateway's. */
const RELAY_PROBLEMS: ProblemKind[] = [
  'bad-request',
  'forbidden',
  'not-found',
  'method-not-allowed',
  'conflict',
  'gone',
  'precondition-failed',
  'payload-too-large',
  'unprocessable',
  'bad-gateway',
  'service-unavailable',
  'gateway-timeout',
];

/** The 2xx statuses a relay passes on: a write's too, as the service gave them. */
function answersOf(
  writes: boolean,
): Record<number, { description: string; schema?: Record<string, unknown> }> {
  const answers: Record<number, { description: string; schema?: Record<string, unknown> }> = {
    200: { description: "The service's answer", schema: ANY_JSON },
    203: { description: "The service's answer, as a transforming proxy gave it", schema: ANY_JSON },
  };
  if (writes) {
    answers[201] = { description: 'Created, as the service said', schema: ANY_JSON };
    answers[202] = { description: 'Accepted, as the service said', schema: ANY_JSON };
    answers[204] = { description: 'Done, nothing to send back' };
  }
  return answers;
}

/**
 * The OpenAPI paths of the configured pass-through routes, which no
 * decorator can describe: Nest registers them from configuration, on a
 * wildcard. Each prefix is one path whose `{path}` stands for the rest of
 * the URL, slashes included (OpenAPI has no wildcard), with an operation
 * per method it relays (HEAD too, wherever GET is).
 */
export function passThroughPaths(
  routes: readonly PassThroughRoute[],
): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const methods = route.methods.includes('GET') ? [...route.methods, 'HEAD'] : route.methods;
    // Two entries may share a prefix, each relaying its own methods.
    const item = paths[`${route.prefix}{path}`] ?? {};
    const name =
      route.prefix
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .join('_') || 'root';
    for (const method of methods) {
      const writes = method !== 'GET' && method !== 'HEAD';
      item[method.toLowerCase()] = {
        summary: `Relayed to the ${route.service} service, the answer passed on as it came`,
        operationId: `passThrough_${name}_${method.toLowerCase()}`,
        tags: ['pass-through'],
        security: [{ bearer: [] }, { 'api-key': [] }],
        parameters: [
          {
            name: 'path',
            in: 'path',
            required: true,
            description: 'The rest of the path after the prefix, slashes included, relayed as it is',
            schema: { type: 'string' },
          },
        ],
        ...(writes
          ? { requestBody: { required: false, content: { 'application/json': { schema: ANY_JSON } } } }
          : {}),
        responses: documentedResponses(
          answersOf(writes),
          writes ? [...RELAY_PROBLEMS, 'unsupported-media-type'] : RELAY_PROBLEMS,
        ),
      };
    }
    paths[`${route.prefix}{path}`] = item;
  }
  return paths;
}
