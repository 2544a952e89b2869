import { fastify, type FastifyError, type FastifyInstance, type RouteShorthandOptions } from 'fastify';
import { registerControlRoutes } from './control-routes.js';
import type { FaultController } from './fault-controller.js';
import { createFaultInjector } from './fault-injector.js';

export type RouteRegistrar = (app: FastifyInstance, dataRoute: RouteShorthandOptions) => void;

export interface DemoServerOptions {
  faults: FaultController;
  registerRoutes: RouteRegistrar;
  logger: boolean;
}

function isClientError(error: FastifyError): error is FastifyError & { statusCode: number } {
  return error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500;
}

/** One demo service: its data routes behind the fault knobs, plus /health and the control endpoints. */
export function createDemoServer(options: DemoServerOptions): FastifyInstance {
  const app = fastify({
    logger: options.logger,
    // Idle sockets outlive a typical client's idle timeout, so the client closes them first and no
    // request races a server-side close.
    keepAliveTimeout: 72_000,
    // Lets close() end hanging and delayed requests at once instead of waiting for them forever.
    forceCloseConnections: true,
    // Preference patches are a few hundred bytes; a bigger body is a client bug.
    bodyLimit: 16 * 1024,
    // User ids run to 128 characters and order ids (`o-<user>-<n>`) past that; Fastify's default of 100 answered 414.
    routerOptions: { maxParamLength: 256 },
  });

  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ error: 'not found' }));
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    // Fastify's own client errors (bad JSON, wrong media type, body too large) keep their status.
    if (isClientError(error)) {
      return reply.code(error.statusCode).send({ error: error.message });
    }
    request.log.error({ err: error }, 'demo service failed');
    return reply.code(500).send({ error: 'internal error' });
  });

  const injectFaults = createFaultInjector(options.faults);
  registerControlRoutes(app, options.faults);
  app.get('/health', { onRequest: injectFaults }, async () => ({ status: 'ok' }));
  options.registerRoutes(app, {
    // Counted before the faults apply, so tests see every attempt a client made, answered or not.
    onRequest: [
      (_request, _reply, done) => {
        options.faults.countRequest();
        done();
      },
      injectFaults,
    ],
  });
  return app;
}
