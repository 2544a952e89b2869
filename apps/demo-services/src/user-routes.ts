import type { FastifyInstance, RouteShorthandOptions } from 'fastify';
import { isKnownUserId } from './demo-ids.js';
import { demoUser } from './user-data.js';

export function registerUserRoutes(app: FastifyInstance, dataRoute: RouteShorthandOptions): void {
  app.get<{ Params: { id: string } }>('/users/:id', dataRoute, async (request, reply) =>
    isKnownUserId(request.params.id)
      ? demoUser(request.params.id)
      : reply.code(404).send({ error: 'user not found' }),
  );
}
