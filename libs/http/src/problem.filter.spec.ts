import { Logger, type ArgumentsHost, type LoggerService } from '@nestjs/common';
import { ProblemError } from '@app/problem';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ProblemFilter } from './problem.filter.js';

/** Every line Nest's loggers write while a test runs, by level. */
function captureLogs(): { warn: unknown[]; error: unknown[] } {
  const lines = { warn: [] as unknown[], error: [] as unknown[] };
  const capture: LoggerService = {
    log: () => undefined,
    warn: (message: unknown) => lines.warn.push(message),
    error: (message: unknown) => lines.error.push(message),
  };
  Logger.overrideLogger(capture);
  return lines;
}

function hostOf(request: FastifyRequest, reply: FastifyReply): ArgumentsHost {
  return {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as ArgumentsHost;
}

describe(ProblemFilter.name, () => {
  afterEach(() => {
    Logger.overrideLogger(false);
  });

  it('logs a 503 the gateway answers a client, but not each failing poll of a health check', async () => {
    const logs = captureLogs();
    const filter = new ProblemFilter();
    const fastify = Fastify();
    const unavailable = (request: FastifyRequest, reply: FastifyReply): void =>
      filter.catch(
        new ProblemError('service-unavailable', 'One or more health checks failed.'),
        hostOf(request, reply),
      );
    fastify.get('/health/ready', unavailable);
    fastify.get('/mobile/profile', unavailable);

    expect((await fastify.inject({ url: '/health/ready' })).statusCode).toBe(503);
    expect((await fastify.inject({ url: '/health/ready' })).statusCode).toBe(503);
    expect((await fastify.inject({ url: '/mobile/profile' })).statusCode).toBe(503);
    await fastify.close();

    expect(logs.warn).toHaveLength(1);
    expect(logs.warn[0]).toEqual({
      requestId: expect.any(String),
      status: 503,
      msg: 'answered 503: One or more health checks failed.',
    });
  });

  it("logs through the logger of the app it serves, not Nest's shared one that another app may have set", async () => {
    const shared = captureLogs();
    const own: unknown[] = [];
    const appLogger: LoggerService = {
      log: () => undefined,
      warn: (line: unknown) => own.push(line),
      error: () => undefined,
    };
    const filter = new ProblemFilter(undefined, appLogger);
    const fastify = Fastify();
    fastify.get('/web/preferences', (request, reply) =>
      filter.catch(
        new ProblemError('bad-gateway', 'The preference service sent an answer the gateway cannot use.'),
        hostOf(request, reply),
      ),
    );

    expect((await fastify.inject({ url: '/web/preferences' })).statusCode).toBe(502);
    await fastify.close();

    expect(own).toHaveLength(1);
    expect(shared.warn).toHaveLength(0);
  });
});
