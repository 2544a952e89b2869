import { z } from 'zod';

/** A partial set of fault knobs for `PUT /__faults`; the bounds match the DEMO_* environment variables. */
export const faultKnobsPatchSchema = z.strictObject({
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  errorRate: z.number().min(0).max(1).optional(),
  down: z.boolean().optional(),
  malformed: z.boolean().optional(),
  hang: z.boolean().optional(),
});
