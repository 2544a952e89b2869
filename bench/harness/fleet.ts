import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '../../test/support/redis-keys.js';
import { startChild, type Child } from './child.js';
import { BENCH_AUTH } from './users.js';

/** The repository root, from dist/bench/harness/ where this runs. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const LOG_DIR = join(ROOT, 'dist', 'bench', 'logs');

export type TargetId = 'baseline' | 'baseline-cached' | 'product' | 'product-redis';

export interface Gateway {
  url: string;
  pid: number;
  name: string;
  logFile: string;
}

/** One thing under test, answering both aggregates: the baseline serves both from one process, the product from two apps. */
export interface Target {
  id: TargetId;
  label: string;
  mobile: Gateway;
  web: Gateway;
}

export interface Fleet {
  upstreams: { user: string; order: string; preference: string };
  targets: Partial<Record<TargetId, Target>>;
  /** Every process started, demo services included, for RSS at the end. */
  children: Child[];
  /** The product's processes, whose memory has a target. */
  products: Child[];
  redis: { url: string; prefix: string } | undefined;
  stop(): Promise<void>;
}

const local = (port: number): string => `http://127.0.0.1:${port}`;
const script = (...path: string[]): string => join(ROOT, 'dist', ...path);

/** The V8 flags the Dockerfile and the k8s manifests run the product with; the baseline gets them too, so neither is tuned alone. */
const NODE_TUNING = { NODE_OPTIONS: '--max-old-space-size=384 --max-semi-space-size=32' };

/**
 * The product with every feature on, as production runs it: JSON logs at
 * info, one access line per request; JWT checked with issuer and audience;
 * throttling on, with limits far above what the run sends, so it counts
 * every request and refuses none; caching on; breakers, retries and
 * metrics at their defaults. The shutdown grace is only there for load
 * balancers and would add 5 s to every stop.
 */
export const PRODUCT_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  HOST: '127.0.0.1',
  JWT_SECRET: BENCH_AUTH.secret,
  JWT_ISSUER: BENCH_AUTH.issuer,
  JWT_AUDIENCE: BENCH_AUTH.audience,
  THROTTLE_ENABLED: 'true',
  THROTTLE_BURST_LIMIT: '1000000',
  THROTTLE_SUSTAINED_LIMIT: '100000000',
  CACHE_ENABLED: 'true',
  SHUTDOWN_GRACE_MS: '0',
  ...NODE_TUNING,
};

async function answers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  await response.arrayBuffer();
  return response.ok;
}

/** Whether Redis answers a PING within a second; the Redis flavour is skipped, and said so, when it does not. */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1_000 });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** The demo services on spare ports, faults off. */
export function startDemo(): Promise<Child> {
  return startChild({
    name: 'demo-services',
    script: script('apps', 'demo-services', 'src', 'main.js'),
    portCount: 3,
    logFile: join(LOG_DIR, 'demo-services.log'),
    env: ([user, order, preference]) => ({
      // The demo services read the gateway's config schema too; production would ask them for a JWT key.
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DEMO_USER_PORT: String(user),
      DEMO_ORDER_PORT: String(order),
      DEMO_PREFERENCE_PORT: String(preference),
    }),
    isReady: async (ports) =>
      (await Promise.all(ports.map((port) => answers(`${local(port)}/health`)))).every(Boolean),
  });
}

/** The demo services' base URLs, by service. */
export function upstreamUrls(demo: Child): Fleet['upstreams'] {
  const [userPort, orderPort, preferencePort] = demo.ports;
  return { user: local(userPort), order: local(orderPort), preference: local(preferencePort) };
}

/** The demo services' addresses, as the product's and the baseline's configuration name them. */
export function upstreamEnv(demo: Child): Record<string, string> {
  const { user, order, preference } = upstreamUrls(demo);
  return { USER_SERVICE_URL: user, ORDER_SERVICE_URL: order, PREFERENCE_SERVICE_URL: preference };
}

/** The baseline's whole environment: the product's V8 flags and JWT settings, its port and upstreams, with or without its cache. */
export function baselineEnv(
  port: number,
  upstreams: Record<string, string>,
  cache: boolean,
): Record<string, string> {
  return {
    ...NODE_TUNING,
    HOST: '127.0.0.1',
    BASELINE_PORT: String(port),
    BASELINE_CACHE: String(cache),
    ...upstreams,
    JWT_SECRET: BENCH_AUTH.secret,
    JWT_ISSUER: BENCH_AUTH.issuer,
    JWT_AUDIENCE: BENCH_AUTH.audience,
  };
}

/** The baseline on a spare port; `settings` go on top of its environment. */
export async function startBaseline(
  name: string,
  upstreams: Record<string, string>,
  cache: boolean,
  settings: Record<string, string> = {},
): Promise<Child> {
  return startChild({
    name,
    script: script('bench', 'baseline', 'main.js'),
    portCount: 1,
    logFile: join(LOG_DIR, `${name}.log`),
    env: ([port]) => ({ ...baselineEnv(port, upstreams, cache), ...settings }),
    isReady: ([port]) => answers(`${local(port)}/health`),
  });
}

interface HealthReport {
  details?: { redis?: { status?: string; mode?: string } };
}

/** Ready once `/health/ready` answers and, with Redis, `/health` reports it shared: until then a BFF caches alone. */
async function productReady(port: number, shared: boolean): Promise<boolean> {
  if (!(await answers(`${local(port)}/health/ready`))) {
    return false;
  }
  if (!shared) {
    return true;
  }
  const health = (await (await fetch(`${local(port)}/health`)).json()) as HealthReport;
  return health.details?.redis?.status === 'up' && health.details.redis.mode === 'shared';
}

/** One of the product's apps, from `dist` (another build's when given), ready once it serves as it will be measured. */
export function startProductApp(
  name: string,
  app: 'mobile-bff' | 'web-bff',
  env: Record<string, string>,
  dist = join(ROOT, 'dist'),
): Promise<Child> {
  return startChild({
    name,
    script: join(dist, 'apps', app, 'src', 'main.js'),
    portCount: 1,
    logFile: join(LOG_DIR, `${name}.log`),
    env: ([port]) => ({ ...env, [app === 'mobile-bff' ? 'MOBILE_BFF_PORT' : 'WEB_BFF_PORT']: String(port) }),
    isReady: ([port]) => productReady(port, env.REDIS_URL !== undefined),
  });
}

const gateway = (child: Child): Gateway => ({
  url: local(child.ports[0]),
  pid: child.pid,
  name: child.name,
  logFile: child.logFile,
});

/**
 * Every process of the run, each its own OS process: the demo services
 * (no faults), the baseline and its cached variant, and the product's two
 * apps on embedded defaults and, when Redis answers, on Redis under a key
 * prefix of this run's own.
 */
export async function startFleet(runId: string, redisUrl: string | undefined): Promise<Fleet> {
  mkdirSync(LOG_DIR, { recursive: true });
  const children: Child[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => child.stop()));
  };
  try {
    const demo = await startDemo();
    children.push(demo);
    const upstreams = upstreamUrls(demo);
    const upstreamSettings = upstreamEnv(demo);
    const redis = redisUrl === undefined ? undefined : { url: redisUrl, prefix: `bench:${runId}:` };
    const started = await Promise.allSettled([
      startBaseline('baseline', upstreamSettings, false),
      startBaseline('baseline-cached', upstreamSettings, true),
      startProductApp('mobile-bff', 'mobile-bff', { ...PRODUCT_ENV, ...upstreamSettings }),
      startProductApp('web-bff', 'web-bff', { ...PRODUCT_ENV, ...upstreamSettings }),
      ...(redis === undefined
        ? []
        : (['mobile-bff', 'web-bff'] as const).map((app) =>
            startProductApp(`${app}-redis`, app, {
              ...PRODUCT_ENV,
              ...upstreamSettings,
              REDIS_URL: redis.url,
              REDIS_KEY_PREFIX: redis.prefix,
            }),
          )),
    ]);
    for (const result of started) {
      if (result.status === 'fulfilled') {
        children.push(result.value);
      }
    }
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) {
      throw failed.reason;
    }
    const [baseline, baselineCached, mobile, web, ...onRedis] = children.slice(1);
    const targets: Fleet['targets'] = {
      baseline: { id: 'baseline', label: 'baseline', mobile: gateway(baseline), web: gateway(baseline) },
      'baseline-cached': {
        id: 'baseline-cached',
        label: 'baseline, cached',
        mobile: gateway(baselineCached),
        web: gateway(baselineCached),
      },
      product: { id: 'product', label: 'product, embedded', mobile: gateway(mobile), web: gateway(web) },
    };
    if (onRedis.length === 2) {
      targets['product-redis'] = {
        id: 'product-redis',
        label: 'product, Redis',
        mobile: gateway(onRedis[0]),
        web: gateway(onRedis[1]),
      };
    }
    return {
      upstreams,
      targets,
      children,
      products: [mobile, web, ...onRedis],
      redis,
      stop: async () => {
        await stop();
        if (redis !== undefined) {
          await deleteKeysWithPrefix(redis.url, redis.prefix);
        }
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
