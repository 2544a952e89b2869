import { All, Controller, Inject, Req, type Type } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RequestDeadline, type Deadline } from '@app/aggregation';
import { CurrentCaller, type Caller } from '@app/auth';
import type { PassThroughRoute } from '@app/config';
import { normalizeQuery } from '@app/caching';
import { ProblemError } from '@app/problem';
import { expectAnswer, UpstreamRegistry } from '@app/service-clients';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { relayBody } from './relay-body.js';
import { relayPath } from './relay-path.js';

const ANY_JSON = expectAnswer(z.unknown(), 'The resource');

function queryOf(request: FastifyRequest): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    query[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return query;
}

/**
 * A controller relaying one configured prefix to its upstream service,
 * behind the same guards (auth, throttling) and through the same client
 * stack (cache, bulkhead, breaker, retries) as every other call. The
 * gateway's own headers go upstream, never the client's (so hop-by-hop and
 * credential headers stay here), plus X-Forwarded-For/Proto/Host; the
 * answer is relayed as JSON, and failures become our problems.
 */
export function passThroughController(route: PassThroughRoute): Type<unknown> {
  @ApiExcludeController()
  @Controller(route.prefix.slice(1, -1))
  class PassThroughController {
    constructor(@Inject(UpstreamRegistry) private readonly registry: UpstreamRegistry) {}

    @All('*')
    relay(
      @Req() request: FastifyRequest,
      @CurrentCaller() caller: Caller,
      @RequestDeadline() deadline: Deadline,
    ): Promise<unknown> {
      const method = request.method.toUpperCase() as PassThroughRoute['methods'][number];
      if (!route.methods.includes(method)) {
        throw new ProblemError('method-not-allowed', `This route accepts ${route.methods.join(', ')}.`, {
          headers: { allow: route.methods.join(', ') },
        });
      }
      const pathname = request.url.split('?', 1)[0];
      const path = relayPath(route.upstreamPrefix, pathname.slice(route.prefix.length));
      if (path === undefined) {
        throw new ProblemError('not-found', 'No resource matches this request.');
      }
      const query = queryOf(request);
      const body = method === 'GET' ? undefined : relayBody(request.body);
      return this.registry.for(route.service).call({
        method,
        path,
        query,
        body,
        expect: ANY_JSON,
        headers: {
          'x-forwarded-for': request.ip,
          'x-forwarded-proto': request.protocol,
          'x-forwarded-host': request.host,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        cache:
          method === 'GET'
            ? {
                key: `relay:${caller.kind}:${encodeURIComponent(caller.id)}:${path}?${normalizeQuery(query)}`,
              }
            : undefined,
        ...deadline.callOptions,
      });
    }
  }
  return PassThroughController;
}
