import type { FastifyInstance, RouteShorthandOptions } from 'fastify';
import { preferencePatchSchema } from './preference-patch.schema.js';
import { PreferenceStore } from './preference-store.js';
import { describeIssues } from './validation-error.js';

/** Each call keeps its own store, so every started service (and every test) begins from the generated data. */
export function registerPreferenceRoutes(app: FastifyInstance, dataRoute: RouteShorthandOptions): void {
  const store = new PreferenceStore();

  app.get<{ Params: { userId: string } }>('/preferences/:userId', dataRoute, async (request, reply) => {
    const preferences = store.get(request.params.userId);
    return preferences ?? reply.code(404).send({ error: 'user not found' });
  });

  app.patch<{ Params: { userId: string } }>('/preferences/:userId', dataRoute, async (request, reply) => {
    const patch = preferencePatchSchema.safeParse(request.body);
    if (!patch.success) {
      return reply.code(400).send({ error: describeIssues(patch.error) });
    }
    const updated = store.update(request.params.userId, patch.data, new Date());
    return updated ?? reply.code(404).send({ error: 'user not found' });
  });
}
