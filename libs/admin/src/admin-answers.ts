import { z } from 'zod';

/** What GET /admin/services answers: each service's breaker and instances. */
export const servicesAnswerSchema = z.object({
  services: z.array(
    z.object({
      service: z.string(),
      breaker: z.string(),
      inFlight: z.number().int(),
      maxInFlight: z.number().int(),
      retriesInWindow: z.number().int(),
      pausedForMs: z.number().int(),
      instances: z.array(
        z.object({
          url: z.string(),
          weight: z.number().int(),
          ejected: z.boolean(),
          ejectedForMs: z.number().int(),
          ejections: z.number().int(),
          inFlight: z.number().int(),
          consecutiveFailures: z.number().int(),
          recentCalls: z.number().int(),
          recentErrorRate: z.number(),
        }),
      ),
    }),
  ),
});

export const cacheInvalidationAnswerSchema = z.object({
  userId: z.string(),
  entriesRemoved: z.number().int(),
});

export const rateLimitsAnswerSchema = z.object({
  key: z.string(),
  enforced: z.boolean().describe('false when THROTTLE_ENABLED is off: nothing is counted or refused'),
  countedBy: z
    .enum(['every-instance', 'this-instance'])
    .describe(
      "every-instance: Redis's shared counters; this-instance: this instance's own, without Redis or while it does not answer",
    ),
  windows: z.array(
    z.object({
      name: z.enum(['burst', 'sustained']),
      limit: z.number().int(),
      windowMs: z.number().int(),
      used: z.number().int(),
      remaining: z.number().int(),
      resetInMs: z.number().int(),
      blocked: z.boolean(),
      blockedForMs: z.number().int(),
    }),
  ),
  authFailures: z
    .object({
      limit: z.number().int(),
      windowMs: z.number().int(),
      failures: z.number().int(),
      heldBackForMs: z.number().int(),
    })
    .optional()
    .describe(
      "ip: keys only, with AUTH_FAILURE_LIMIT set: the address's failed authentications counted by this instance in its current window, and how long it is still answered 429; the windows above count signed-in callers, which an address never is",
    ),
});
