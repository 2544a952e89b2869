import type { AppConfig, AppName } from './app-config.js';
import { DEVELOPMENT_SECRET_WARNING } from './development-secret.js';

/** What one aggregate request (a fan-out to the three services) counts as against its caller's rate limits: one unit a service. */
export const AGGREGATE_COST = 3;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * What an operator is warned of at start, for the apps this process runs:
 * settings the gateway runs with but that leave it open to forged tokens,
 * or refuse a route on every call. Warned rather than refused where
 * a deployment may have its reasons (an identity provider reached over
 * plain http inside a trusted network).
 */
export function configWarnings(config: AppConfig, apps: readonly AppName[] = ['mobile', 'web']): string[] {
  return [...keyWarnings(config), ...throttleWarnings(config, apps)];
}

function keyWarnings(config: AppConfig): string[] {
  const key = config.auth.key;
  if (key.kind === 'secret' && key.isDevelopmentSecret) {
    return [DEVELOPMENT_SECRET_WARNING];
  }
  if (key.kind === 'jwks' && config.environment === 'production') {
    const url = new URL(key.url);
    if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
      return [
        'JWT_JWKS_URL is plain http: anyone on the path to the identity provider can publish a key and sign any token the gateway will accept. Serve the JWKS over https.',
      ];
    }
  }
  return [];
}

/** Each app's aggregate, which counts as {@link AGGREGATE_COST} requests against its caller's limits. */
const AGGREGATE_ROUTES: Record<AppName, string> = { mobile: '/mobile/profile', web: '/web/dashboard' };

/**
 * A user limit below what one aggregate costs refuses that aggregate
 * always, each time with a Retry-After that no wait honours. Warned rather
 * than refused: such a limit still serves every other route.
 */
function throttleWarnings(config: AppConfig, apps: readonly AppName[]): string[] {
  if (!config.throttle.enabled) {
    return [];
  }
  return apps.flatMap((app) => {
    const { burst, sustained } = config.throttle.apps[app];
    const limit = Math.min(burst.limit, sustained.limit);
    return limit < AGGREGATE_COST
      ? [
          `The ${app} app's rate limit of ${limit} per window is below the cost of ${AGGREGATE_ROUTES[app]} (${AGGREGATE_COST} requests): every call to it will be refused with 429. Raise THROTTLE_BURST_LIMIT and THROTTLE_SUSTAINED_LIMIT (or the app's own) to ${AGGREGATE_COST} or more.`,
        ]
      : [];
  });
}
