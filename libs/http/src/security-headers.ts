import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The API answers JSON; only the /docs page runs scripts, Swagger UI's own,
 * some of them inline. Helmet's default `upgrade-insecure-requests` is
 * left out: the page's assets are its own, on its own scheme, and a browser
 * that opened an internal `http://mobile-bff:3001/docs` was sent to https
 * for every one of them and showed a blank page.
 */
export const HELMET_OPTIONS = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      upgradeInsecureRequests: null,
    },
  },
} satisfies HelmetOptions;

/**
 * The API's answers are JSON, never a document a browser renders, so they
 * leave out helmet's headers that only act on a rendered page: DNS
 * prefetching of its links, IE8's open-download prompt, Adobe's
 * cross-domain policy files, origin-keyed agent clusters and the legacy
 * XSS auditor. Each header costs every answer, and past about twenty
 * Fastify's header object turns into a slow dictionary: these five cost a
 * cache hit 13 µs of its ~140 (bench/RESULTS.md). The /docs page keeps
 * them all.
 */
export const API_HELMET_OPTIONS: HelmetOptions = {
  ...HELMET_OPTIONS,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  originAgentCluster: false,
  xXssProtection: false,
};

/**
 * The headers helmet sets with these options. They do not depend on the
 * request, so helmet runs once, against a recording response, instead of as
 * a dozen middleware functions on every request as @fastify/helmet does
 * (2% of the gateway's CPU in the benchmark's profile).
 */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]): void {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string): void {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure !== undefined) {
    throw failure instanceof Error ? failure : new Error('helmet refused its options');
  }
  return headers;
}

/** Whether a request path (query and all) is the documentation page or one of its assets. */
export function isDocumentPath(url: string, documentsPath: string): boolean {
  return (
    url.startsWith(documentsPath) &&
    (url.length === documentsPath.length ||
      url[documentsPath.length] === '/' ||
      url[documentsPath.length] === '?')
  );
}

/**
 * The API's own headers beside helmet's: its answers are a caller's data,
 * errors or live readings (health, metrics), none of which a browser or
 * proxy should keep. A route whose answers may be kept (the cached
 * aggregates, with their ETag) sets its own `Cache-Control` over this one.
 */
export function apiHeaders(): Record<string, string> {
  return { ...securityHeaders(API_HELMET_OPTIONS), 'cache-control': 'no-store' };
}

/** Every answer, errors and 404s included, carries the security headers: the documentation's set under `documentsPath`, the API's elsewhere. */
export function addSecurityHeaders(
  fastify: FastifyInstance,
  documentsPath: string,
  headers = { api: apiHeaders(), documents: securityHeaders(HELMET_OPTIONS) },
): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(isDocumentPath(request.url, documentsPath) ? headers.documents : headers.api);
    done();
  });
}
