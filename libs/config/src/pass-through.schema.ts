import { z } from 'zod';
import { parseJson, rulesBroken } from './json-variable.js';

const PREFIX = /^\/[A-Za-z0-9_\-/]*\/$/;

const routeSchema = z.strictObject({
  app: z.enum(['mobile', 'web'], { error: 'app must be mobile or web' }),
  prefix: z
    .string()
    .regex(PREFIX, { error: 'prefix must be a path starting and ending with /' })
    // The OpenAPI page serves its files at /docs/*: Fastify would refuse a second route there, at start.
    .refine((prefix) => !prefix.startsWith('/docs/'), {
      error: 'prefix must not be under /docs/, where the documentation page serves its files',
    }),
  service: z.enum(['user', 'order', 'preference'], { error: 'service must be user, order or preference' }),
  upstreamPrefix: z
    .string()
    .regex(PREFIX, { error: 'upstreamPrefix must be a path starting and ending with /' })
    .default('/'),
  methods: z
    .array(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], { error: 'methods must be HTTP methods' }))
    .min(1, { error: 'methods must list at least one method' })
    .default(['GET']),
});

export type PassThroughRoute = z.output<typeof routeSchema>;

/**
 * `PASS_THROUGH_ROUTES`: calls that need no aggregation, mapped from a path
 * prefix of a BFF to an upstream service with the prefix replaced, e.g.
 * `[{"app":"web","prefix":"/web/api/users/","service":"user","upstreamPrefix":"/users/"}]`.
 * GET only unless `methods` says otherwise. Default: none.
 */
export const passThroughRoutesSchema = z
  .string()
  .optional()
  .transform((text, context): PassThroughRoute[] => {
    if (text === undefined || text.trim() === '') {
      return [];
    }
    const parsed = parseJson(text);
    if (!parsed.ok || !Array.isArray(parsed.value)) {
      context.addIssue({ code: 'custom', message: 'must be a JSON array of routes' });
      return z.NEVER;
    }
    const routes: PassThroughRoute[] = [];
    // One app cannot route a method under one prefix twice: Fastify would refuse the second at start.
    const taken = new Map<string, number>();
    parsed.value.forEach((entry, index) => {
      const route = routeSchema.safeParse(entry);
      if (route.success) {
        routes.push(route.data);
        for (const method of route.data.methods) {
          const key = `${route.data.app} ${method} ${route.data.prefix}`;
          const first = taken.get(key);
          if (first === undefined) {
            taken.set(key, index + 1);
          } else {
            context.addIssue({
              code: 'custom',
              message: `entry ${index + 1}: ${route.data.app} already routes ${method} ${route.data.prefix} (entry ${first})`,
            });
          }
        }
      } else {
        context.addIssue({
          code: 'custom',
          message: `entry ${index + 1}: ${rulesBroken(route.error).join(', ')}`,
        });
      }
    });
    return routes;
  });
