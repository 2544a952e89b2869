import type { FastifyInstance } from 'fastify';
import type { FaultController } from './fault-controller.js';
import { faultKnobsPatchSchema } from './fault-knobs.schema.js';
import { describeIssues } from './validation-error.js';

/**
 * Endpoints for tests and operators to steer a running service. They sit outside the fault hook, so a
 * service that is down or hanging can still be brought back.
 */
export function registerControlRoutes(app: FastifyInstance, faults: FaultController): void {
  app.get('/__faults', async () => faults.get());

  app.put('/__faults', async (request, reply) => {
    const patch = faultKnobsPatchSchema.safeParse(request.body);
    if (!patch.success) {
      return reply.code(400).send({ error: describeIssues(patch.error) });
    }
    return faults.set(patch.data);
  });

  app.delete('/__faults', async () => faults.reset());

  app.get('/__stats', async () => ({ requests: faults.requestCount() }));

  app.delete('/__stats', async () => {
    faults.resetCount();
    return { requests: faults.requestCount() };
  });
}
