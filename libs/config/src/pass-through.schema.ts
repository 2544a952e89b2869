import { z } from 'zod';
import { parseJson, rulesBroken } from './json-variable.js';

/*
 * Whole segments only: the router reads `//admin/` as `/admin/`, so an
 * empty segment would slip a prefix past the rules below (and the relayed
 * path, cut at the prefix's length, would lose characters).
 */
const PREFIX = /^\/(?:[A-Za-z0-9_-]+\/)+$/;
/** An upstream prefix may also be the service's root. */
const UPSTREAM_PREFIX = /^\/(?:[A-Za-z0-9_-]+\/)*$/;

/**
 * Every app's own paths. A relay under one answers there behind the
 * relay's guards alone: /admin/ without the admin role or
 * ADMIN_ALLOWED_IPS, /health/ asking probes for a token. The OpenAPI page
 * serves its files at /docs/*, where Fastify would refuse a second route at start.
 */
const GATEWAY_PATHS: ReadonlyArray<readonly [string, string]> = [
  ['/admin/', 'whose routes need the admin role'],
  ['/health/', 'where probes are answered without credentials'],
  ['/metrics/', 'where Prometheus scrapes'],
  ['/docs/', 'where the documentation page serves its files'],
  ['/docs-json/', 'where the OpenAPI document is served'],
];

/**
 * Why `prefix` cannot be relayed by `app`, if it cannot: it lies under one
 * of the gateway's paths, or it holds the app's own routes, where the relay
 * would answer every path the app does not (another user's order, under
 * /web/, had the web app relayed it).
 */
function gatewayPathRule(app: 'mobile' | 'web', prefix: string): string | undefined {
  if (prefix === `/${app}/`) {
    return `prefix must not be ${prefix}, which holds the ${app} app's own routes`;
  }
  const under = GATEWAY_PATHS.find(([path]) => prefix.startsWith(path));
  return under === undefined ? undefined : `prefix must not be under ${under[0]}, ${under[1]}`;
}

const routeSchema = z
  .strictObject({
    app: z.enum(['mobile', 'web'], { error: 'app must be mobile or web' }),
    prefix: z.string().regex(PREFIX, {
      error: 'prefix must be one or more path segments (letters, digits, _ or -), each ending with /',
    }),
    service: z.enum(['user', 'order', 'preference'], { error: 'service must be user, order or preference' }),
    upstreamPrefix: z
      .string()
      .regex(UPSTREAM_PREFIX, {
        error: 'upstreamPrefix must be / or path segments (letters, digits, _ or -), each ending with /',
      })
      .default('/'),
    methods: z
      .array(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], { error: 'methods must be HTTP methods' }))
      .min(1, { error: 'methods must list at least one method' })
      .default(['GET']),
  })
  .superRefine((route, context) => {
    const rule = gatewayPathRule(route.app, route.prefix);
    if (rule !== undefined) {
      context.addIssue({ code: 'custom', path: ['prefix'], message: rule });
    }
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
