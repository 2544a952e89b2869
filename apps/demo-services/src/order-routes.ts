import type { FastifyInstance, RouteShorthandOptions } from 'fastify';
import { demoOrder, parseDemoOrderId } from './order-data.js';
import { demoOrderPage } from './order-page.js';
import { orderQuerySchema } from './order-query.schema.js';
import { describeIssues } from './validation-error.js';

export function registerOrderRoutes(app: FastifyInstance, dataRoute: RouteShorthandOptions): void {
  // A user that does not exist simply has no orders: the list answers an empty page, not 404.
  app.get('/orders', dataRoute, async (request, reply) => {
    const query = orderQuerySchema.safeParse(request.query);
    if (!query.success) {
      return reply.code(400).send({ error: describeIssues(query.error) });
    }
    const { userId, limit, cursor, status } = query.data;
    return demoOrderPage({ userId, limit, position: cursor ?? 0, status });
  });

  app.get<{ Params: { id: string } }>('/orders/:id', dataRoute, async (request, reply) => {
    const order = parseDemoOrderId(request.params.id);
    return order === undefined
      ? reply.code(404).send({ error: 'order not found' })
      : demoOrder(order.userId, order.index);
  });
}
