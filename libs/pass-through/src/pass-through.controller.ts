import { All, Controller, Inject, Req, Res, type Type } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RequestDeadline, type Deadline } from '@app/aggregation';
import { CurrentCaller, type Caller } from '@app/auth';
import type { PassThroughRoute } from '@app/config';
import { CacheInvalidator, normalizeQuery } from '@app/caching';
import { ProblemError, type ProblemKind } from '@app/problem';
import {
  expectAnswer,
  UpstreamError,
  UpstreamRegistry,
  withStatus,
  writeMayHaveLanded,
  type WithStatus,
} from '@app/service-clients';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { relayBody } from './relay-body.js';
import { relayPath } from './relay-path.js';

const ANY_JSON = withStatus(expectAnswer(z.unknown(), 'The resource'));

/**
 * The upstream's 2xx statuses a relay passes on: a client that created
 * something is told 201, one whose write was only accepted 202. Any other
 * (206 and the WebDAV ones) would need headers the relay does not pass on,
 * so it is answered 200.
 */
const RELAYED_STATUSES = new Set([200, 201, 202, 203, 204]);
const NO_CONTENT = 204;

/** The client's query, a repeated field kept repeated (`status=paid&status=shipped`): what it means is the upstream's to say. */
function queryOf(request: FastifyRequest): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    query[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return query;
}

/**
 * What an upstream's refusal of a relayed request means to its caller: the
 * caller's own request refused, with the status it came with, never the
 * gateway failing (502). The upstream's reasons are not passed on.
 */
const REFUSALS = new Map<number, { kind: ProblemKind; detail: string }>([
  [400, { kind: 'bad-request', detail: 'The service refused this request as not valid.' }],
  [401, { kind: 'forbidden', detail: 'The service refused this request.' }],
  [403, { kind: 'forbidden', detail: 'The service refused this request.' }],
  [
    409,
    { kind: 'conflict', detail: 'The service refused this request: it conflicts with the current state.' },
  ],
  [410, { kind: 'gone', detail: 'The service says this resource is gone.' }],
  [412, { kind: 'precondition-failed', detail: 'The service refused this request: a precondition failed.' }],
  [413, { kind: 'payload-too-large', detail: 'The service refused this request as too large.' }],
  [422, { kind: 'unprocessable', detail: 'The service did not accept this request.' }],
  [429, { kind: 'too-many-requests', detail: 'The service refused this request: too many requests.' }],
]);

function refusedRequest(error: unknown): unknown {
  const refusal =
    error instanceof UpstreamError && error.upstreamStatus !== undefined
      ? REFUSALS.get(error.upstreamStatus)
      : undefined;
  if (refusal === undefined) {
    return error;
  }
  const wait = (error as UpstreamError).retryAfterSeconds;
  return new ProblemError(refusal.kind, refusal.detail, {
    cause: error,
    // A 429's Retry-After is passed on: when this caller may come back is the service's to say.
    ...(wait === undefined ? {} : { headers: { 'retry-after': String(wait) } }),
  });
}

/**
 * Who the gateway verified the caller to be, for an upstream that decides
 * itself what a caller may read or write (the way Kong names a consumer
 * upstream). The client's own header fields never reach the upstream, so
 * these cannot be forged by sending them.
 */
function callerHeaders(caller: Caller): Record<string, string> {
  return caller.kind === 'user' ? { 'x-user-id': caller.id } : { 'x-consumer-name': caller.id };
}

/**
 * A controller relaying one configured prefix to its upstream service (or,
 * when several entries share the prefix, each method to its entry's),
 * behind the same guards (auth, throttling) and through the same client
 * stack (cache, bulkhead, breaker, retries) as every other call. The
 * gateway's own headers go upstream, never the client's (so hop-by-hop and
 * credential headers stay here), plus X-Forwarded-For/Proto/Host and the
 * verified caller (X-User-Id or X-Consumer-Name); the
 * answer is relayed as JSON with its 2xx status, and failures become our
 * problems.
 */
export function passThroughController(
  routes: readonly [PassThroughRoute, ...PassThroughRoute[]],
): Type<unknown> {
  const { prefix } = routes[0];
  const relayed = [...new Set(routes.flatMap((route) => route.methods))];
  @ApiExcludeController()
  @Controller(prefix.slice(1, -1))
  class PassThroughController {
    constructor(
      @Inject(UpstreamRegistry) private readonly registry: UpstreamRegistry,
      @Inject(CacheInvalidator) private readonly invalidator: CacheInvalidator,
    ) {}

    @All('*')
    async relay(
      @Req() request: FastifyRequest,
      @CurrentCaller() caller: Caller,
      @RequestDeadline() deadline: Deadline,
      @Res({ passthrough: true }) reply: FastifyReply,
    ): Promise<unknown> {
      // HEAD is a GET without its body (RFC 9110), wherever GET is relayed; Fastify leaves the body out.
      const asked = request.method.toUpperCase();
      const method = (asked === 'HEAD' ? 'GET' : asked) as PassThroughRoute['methods'][number];
      const route = routes.find((candidate) => candidate.methods.includes(method));
      if (route === undefined) {
        const allowed = relayed.includes('GET') ? [...relayed, 'HEAD'] : relayed;
        throw new ProblemError('method-not-allowed', `This route accepts ${allowed.join(', ')}.`, {
          headers: { allow: allowed.join(', ') },
        });
      }
      const pathname = request.url.split('?', 1)[0];
      const path = relayPath(route.upstreamPrefix, pathname.slice(prefix.length));
      if (path === undefined) {
        throw new ProblemError('not-found', 'No resource matches this request.');
      }
      const query = queryOf(request);
      const body = method === 'GET' ? undefined : relayBody(request.body);
      const changes = method !== 'GET' && caller.kind === 'user';
      const relayCall = (): Promise<WithStatus<unknown>> =>
        this.registry.for(route.service).call<WithStatus<unknown>>({
          method,
          path,
          query,
          body,
          expect: ANY_JSON,
          // The upstream sees this caller's own address and identity: its 429 is theirs, not the service's.
          forOneCaller: true,
          headers: {
            ...callerHeaders(caller),
            'x-forwarded-for': request.ip,
            'x-forwarded-proto': request.protocol,
            // An HTTP/1.0 request may name no host: an empty field would tell the upstream one was named.
            ...(request.host === '' ? {} : { 'x-forwarded-host': request.host }),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          cache:
            method === 'GET'
              ? {
                  // The query as relayed, empty fields included: `?flag=` is another request than none.
                  key: `relay:v2:${caller.kind}:${encodeURIComponent(caller.id)}:${path}?${normalizeQuery(query, true)}`,
                  // `v2`: entries hold the status with the body; the plain bodies cached before are not read as such.
                  // A user's relayed reads are their data: dropped with the rest of it when it changes.
                  owner: caller.kind === 'user' ? caller.id : undefined,
                }
              : undefined,
          ...deadline.callOptions,
        });
      // A write may change anything of the user's that is cached, relayed reads included: the next read sees it.
      const answered = changes
        ? this.invalidator.change(caller.id, relayCall, writeMayHaveLanded)
        : relayCall();
      const { status, value } = await answered.catch((error: unknown) => {
        throw refusedRequest(error);
      });
      void reply.code(RELAYED_STATUSES.has(status) ? status : 200);
      if (status === NO_CONTENT || value === undefined) {
        return undefined;
      }
      // As JSON, whatever its value: Fastify would send a string answer ("plain") as text/plain without its quotes.
      void reply.type('application/json; charset=utf-8');
      return JSON.stringify(value);
    }
  }
  return PassThroughController;
}
