import { Controller, Get } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { Metrics } from '@app/observability';
import { ProblemError } from '@app/problem';
import { RedisConnection } from '@app/redis';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Throttle, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { GatewayRateLimitStore } from './gateway-rate-limit.store.js';
import { GatewayThrottlerGuard } from './gateway-throttler.guard.js';
import { RateLimitPolicy } from './rate-limit-policy.js';

@Controller()
class Routes {
  @Get('plain')
  plain(): void {}

  @Get('strict')
  @Throttle({ burst: { limit: 1, ttl: 1_000 } })
  strict(): void {}
}

async function guardWith(
  throttlers: (policy: RateLimitPolicy) => ThrottlerModuleOptions,
): Promise<GatewayThrottlerGuard> {
  const config = loadConfig({});
  const policy = new RateLimitPolicy(config, 'mobile');
  const guard = new GatewayThrottlerGuard(
    throttlers(policy),
    {} as ThrottlerStorage,
    new Reflector(),
    new GatewayRateLimitStore(config, new RedisConnection(config)),
    policy,
    new Metrics(),
  );
  await guard.onModuleInit();
  return guard;
}

function requestTo(
  route: 'plain' | 'strict',
  user: string,
): { context: ExecutionContextHost; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  const request = {
    user: { kind: 'user', id: user },
    ip: '127.0.0.1',
    headers: {},
  } as unknown as FastifyRequest;
  const reply = {
    headers(values: Record<string, string>) {
      Object.assign(headers, values);
      return this;
    },
  } as unknown as FastifyReply;
  const context = new ExecutionContextHost([request, reply, undefined], Routes, Routes.prototype[route]);
  context.setType('http');
  return { context, headers };
}

const windows = (policy: RateLimitPolicy): ThrottlerModuleOptions => ({
  throttlers: [
    { name: 'sustained', ttl: 60_000, limit: 100 },
    { name: 'burst', ttl: 1_000, limit: () => policy.limit('burst', undefined) },
  ],
});

describe(GatewayThrottlerGuard.name, () => {
  it('lets a caller within the limits through, with the headers of the tightest window and every window shortest first', async () => {
    const guard = await guardWith(windows);
    const { context, headers } = requestTo('plain', 'u1');

    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(headers).toEqual({
      'ratelimit-limit': '20',
      'ratelimit-remaining': '19',
      'ratelimit-reset': '1',
      'ratelimit-policy': '20;w=1, 100;w=60',
    });
  });

  it("refuses a caller past a route's own limit with a 429 problem that says when to retry", async () => {
    const guard = await guardWith(windows);
    await expect(guard.canActivate(requestTo('strict', 'u2').context)).resolves.toBe(true);

    const refused = await guard
      .canActivate(requestTo('strict', 'u2').context)
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(ProblemError);
    expect(refused).toMatchObject({
      status: 429,
      headers: { 'retry-after': '1', 'ratelimit-remaining': '0' },
    });
  });

  it('waits for limits and callers that a route works out asynchronously', async () => {
    const guard = await guardWith(() => ({
      throttlers: [{ name: 'burst', ttl: () => Promise.resolve(1_000), limit: () => Promise.resolve(1) }],
      getTracker: () => Promise.resolve('user:shared'),
    }));

    await expect(guard.canActivate(requestTo('plain', 'a').context)).resolves.toBe(true);
    await expect(guard.canActivate(requestTo('plain', 'b').context)).rejects.toMatchObject({ status: 429 });
  });

  it('refuses to count with a block duration that works out to nothing, as the library does', async () => {
    const guard = await guardWith(() => ({
      throttlers: [
        { name: 'burst', ttl: 1_000, limit: 5, blockDuration: () => undefined as unknown as number },
      ],
    }));

    await expect(guard.canActivate(requestTo('plain', 'u4').context)).rejects.toThrow(/blockDuration/);
  });

  it('counts nothing when the module says to skip', async () => {
    const guard = await guardWith(() => ({
      throttlers: [{ name: 'burst', ttl: 1_000, limit: 0 }],
      skipIf: () => true,
    }));
    const { context, headers } = requestTo('plain', 'u3');

    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(headers).toEqual({});
  });
});
