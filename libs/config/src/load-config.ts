import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { z } from 'zod';
import type {
  AppConfig,
  AppName,
  DemoServicesConfig,
  FaultKnobs,
  InstanceConfig,
  JwtKeyConfig,
  ServiceConfig,
  ServiceName,
  ThrottleConfig,
} from './app-config.js';
import { ConfigError } from './config.error.js';
import { decimalNumber } from './decimal-number.js';
import { DEVELOPMENT_JWT_SECRET } from './development-secret.js';
import {
  algorithmForPublicKey,
  envSchema,
  publicKeyProblem,
  isListenHost,
  tuningEnvSchema,
  type Env,
} from './env.schema.js';
import { resolveTuning } from './service-tuning.schema.js';
import { tracingConfig, tracingEnvSchema } from './tracing.schema.js';

const MIN_PRODUCTION_SECRET_LENGTH = 32;
/** The words the repository's example secrets carry (deploy/k8s/secret.yaml): anyone could sign tokens with them. */
const PLACEHOLDER_SECRET = /replace-me|change-me|placeholder/i;

/** Each consumer's tier must be one THROTTLE_TIERS defines (an own key: a tier named "constructor" is not inherited). */
function apiKeyTierProblems(env: Env): string[] {
  const tiers = Object.keys(env.THROTTLE_TIERS).join(', ');
  return env.API_KEYS.flatMap((consumer, index) =>
    Object.hasOwn(env.THROTTLE_TIERS, consumer.tier)
      ? []
      : [`entry ${index + 1} (name ${consumer.name}) needs tier as one of THROTTLE_TIERS: ${tiers}`],
  );
}

/** One `VARIABLE: rule` line per distinct problem zod found. */
function problemLines(issues: readonly z.core.$ZodIssue[]): string[] {
  return [...new Set(issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`))];
}

/** Reads a file for a check at start: its contents, or undefined when it cannot be read. */
function readable(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The certificate and key a BFF will serve HTTPS with, read and matched at
 * start: a missing file, a key that is not one or a pair that does not
 * match ended in a stack trace from the TLS layer.
 */
function tlsProblems(certFile: string, keyFile: string): string[] {
  const certPem = readable(certFile);
  const keyPem = readable(keyFile);
  let certificate: X509Certificate | undefined;
  let key: KeyObject | undefined;
  const problems: string[] = [];
  if (certPem === undefined) {
    problems.push('TLS_CERT_FILE: cannot be read');
  } else {
    try {
      certificate = new X509Certificate(certPem);
    } catch {
      problems.push('TLS_CERT_FILE: must be a PEM certificate');
    }
  }
  if (keyPem === undefined) {
    problems.push('TLS_KEY_FILE: cannot be read');
  } else {
    try {
      key = createPrivateKey(keyPem);
    } catch {
      problems.push('TLS_KEY_FILE: must be a PEM private key without a passphrase');
    }
  }
  if (certificate !== undefined && key !== undefined && !certificate.checkPrivateKey(key)) {
    problems.push('TLS_CERT_FILE, TLS_KEY_FILE: the key does not belong to the certificate');
  }
  return problems;
}

/** A port variable a process may listen on. */
export type ListenedPort =
  'MOBILE_BFF_PORT' | 'WEB_BFF_PORT' | 'DEMO_USER_PORT' | 'DEMO_ORDER_PORT' | 'DEMO_PREFERENCE_PORT';

/** What the launcher listens on: both BFFs and the three demo services, in one process. */
export const LAUNCHER_PORTS: readonly ListenedPort[] = [
  'MOBILE_BFF_PORT',
  'WEB_BFF_PORT',
  'DEMO_USER_PORT',
  'DEMO_ORDER_PORT',
  'DEMO_PREFERENCE_PORT',
];

const DEMO_PORTS = ['DEMO_USER_PORT', 'DEMO_ORDER_PORT', 'DEMO_PREFERENCE_PORT'] as const;

/**
 * One line per port that several of `listens` name: the second server
 * there died with EADDRINUSE, blamed on "another process" that was this
 * one. Only the ports this process listens on count, so BFFs in separate
 * containers may share one.
 */
function portCollisionProblems<P extends ListenedPort>(
  env: Readonly<Record<P, number>>,
  listens: readonly P[],
): string[] {
  const byPort = new Map<number, P[]>();
  for (const name of listens) {
    byPort.set(env[name], [...(byPort.get(env[name]) ?? []), name]);
  }
  return [...byPort.values()]
    .filter((names) => names.length > 1)
    .map(
      (names) => `${names.join(', ')}: must be different ports, since one process listens on each of them`,
    );
}

/** Rules that span several variables; each returns `VARIABLE: rule` lines. */
function crossFieldProblems(env: Env, listens: readonly ListenedPort[]): string[] {
  const problems: string[] = [];
  const keySources = [env.JWT_SECRET, env.JWT_PUBLIC_KEY, env.JWT_JWKS_URL].filter(
    (value) => value !== undefined,
  );
  if (keySources.length > 1) {
    problems.push('JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL: set exactly one of them, not several');
  }
  if (env.NODE_ENV === 'production') {
    if (keySources.length === 0) {
      problems.push('JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL: one is required in production');
    }
    if (env.JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
      problems.push('JWT_SECRET: must not be the public development secret in production');
    } else if (env.JWT_SECRET !== undefined && PLACEHOLDER_SECRET.test(env.JWT_SECRET)) {
      problems.push('JWT_SECRET: must not be a placeholder from the repository in production');
    } else if (env.JWT_SECRET !== undefined && env.JWT_SECRET.length < MIN_PRODUCTION_SECRET_LENGTH) {
      problems.push(`JWT_SECRET: must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production`);
    }
  }
  const tierProblems = apiKeyTierProblems(env);
  if (tierProblems.length > 0) {
    problems.push(`API_KEYS: ${tierProblems.join('; ')}`);
  }
  if (env.HEADERS_TIMEOUT_MS > env.REQUEST_TIMEOUT_MS) {
    problems.push(
      'HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS: the headers timeout must not exceed the request timeout',
    );
  }
  if ((env.TLS_CERT_FILE === undefined) !== (env.TLS_KEY_FILE === undefined)) {
    problems.push('TLS_CERT_FILE, TLS_KEY_FILE: set both to serve HTTPS, or neither');
  } else if (env.TLS_CERT_FILE !== undefined && env.TLS_KEY_FILE !== undefined) {
    problems.push(...tlsProblems(env.TLS_CERT_FILE, env.TLS_KEY_FILE));
  }
  const keyProblem = env.JWT_PUBLIC_KEY === undefined ? undefined : publicKeyProblem(env.JWT_PUBLIC_KEY);
  if (keyProblem !== undefined) {
    problems.push(`JWT_PUBLIC_KEY: ${keyProblem}`);
  }
  problems.push(...portCollisionProblems(env, listens));
  return problems;
}

function jwtKey(env: Env): JwtKeyConfig {
  if (env.JWT_PUBLIC_KEY !== undefined) {
    return {
      kind: 'public-key',
      publicKeyPem: env.JWT_PUBLIC_KEY,
      algorithms: algorithmForPublicKey(env.JWT_PUBLIC_KEY) === 'ES256' ? ['ES256'] : ['RS256'],
    };
  }
  if (env.JWT_JWKS_URL !== undefined) {
    return {
      kind: 'jwks',
      url: env.JWT_JWKS_URL,
      algorithms: ['RS256', 'ES256'],
      refreshIntervalMs: env.JWT_JWKS_REFRESH_INTERVAL_S * 1000,
      unknownKidCooldownMs: env.JWT_JWKS_UNKNOWN_KID_COOLDOWN_S * 1000,
    };
  }
  return {
    kind: 'secret',
    secret: env.JWT_SECRET ?? DEVELOPMENT_JWT_SECRET,
    algorithms: ['HS256'],
    isDevelopmentSecret: env.JWT_SECRET === undefined,
  };
}

function service(
  name: ServiceName,
  instances: InstanceConfig[],
  tuning: Record<string, unknown>,
): ServiceConfig {
  const t = resolveTuning(tuning, name);
  return {
    name,
    instances,
    timeoutMs: t.TIMEOUT_MS,
    maxSockets: t.MAX_SOCKETS,
    maxInFlight: t.MAX_IN_FLIGHT,
    dnsRefreshMs: t.DNS_REFRESH_MS,
    breaker: {
      consecutiveFailures: t.BREAKER_CONSECUTIVE_FAILURES,
      failureRate: t.BREAKER_FAILURE_RATE,
      windowMs: t.BREAKER_WINDOW_MS,
      minimumRps: t.BREAKER_MIN_RPS,
      cooldownMs: t.BREAKER_COOLDOWN_MS,
      suspectConsecutiveFailures: t.BREAKER_SUSPECT_FAILURES,
      suspectForMs: t.BREAKER_SUSPECT_FOR_MS,
    },
    retry: {
      maxRetries: t.RETRY_MAX,
      baseDelayMs: t.RETRY_BASE_DELAY_MS,
      budgetRatio: t.RETRY_BUDGET_RATIO,
      budgetWindowMs: t.RETRY_BUDGET_WINDOW_MS,
      budgetMinRetries: t.RETRY_BUDGET_MIN_RETRIES,
    },
    ejection: {
      consecutiveFailures: t.EJECTION_CONSECUTIVE_FAILURES,
      baseMs: t.EJECTION_BASE_MS,
      maxMs: Math.max(t.EJECTION_MAX_MS, t.EJECTION_BASE_MS),
    },
    hedge: { enabled: t.HEDGE, delayMs: t.HEDGE_DELAY_MS },
    cacheTtlMs: t.CACHE_TTL_S * 1000,
    healthPath: t.HEALTH_PATH,
  };
}

/** An app's own limits where it has them, the limits for all apps otherwise. */
function appLimits(env: Env, app: 'MOBILE_BFF' | 'WEB_BFF'): ThrottleConfig['apps'][AppName] {
  return {
    burst: {
      limit: env[`${app}_THROTTLE_BURST_LIMIT`] ?? env.THROTTLE_BURST_LIMIT,
      windowMs: env.THROTTLE_BURST_WINDOW_MS,
    },
    sustained: {
      limit: env[`${app}_THROTTLE_SUSTAINED_LIMIT`] ?? env.THROTTLE_SUSTAINED_LIMIT,
      windowMs: env.THROTTLE_SUSTAINED_WINDOW_MS,
    },
  };
}

function faults(env: z.output<typeof demoSchema>, prefix: 'USER' | 'ORDER' | 'PREFERENCE'): FaultKnobs {
  return {
    latencyMs: env[`DEMO_${prefix}_LATENCY_MS`],
    errorRate: env[`DEMO_${prefix}_ERROR_RATE`],
    down: env[`DEMO_${prefix}_DOWN`],
    malformed: env[`DEMO_${prefix}_MALFORMED`],
    hang: env[`DEMO_${prefix}_HANG`],
  };
}

/** What the demo services read: where to listen and their fault knobs, none of the gateway's settings. */
export interface DemoServicesSettings {
  host: string;
  demo: DemoServicesConfig;
}

const demoSchema = envSchema.pick(
  Object.fromEntries(
    Object.keys(envSchema.shape)
      .filter((name) => name === 'HOST' || name.startsWith('DEMO_'))
      .map((name) => [name, true]),
  ) as { [K in keyof Env as K extends 'HOST' | `DEMO_${string}` ? K : never]: true },
);

function demoServices(env: z.output<typeof demoSchema>): DemoServicesConfig {
  return {
    ports: { user: env.DEMO_USER_PORT, order: env.DEMO_ORDER_PORT, preference: env.DEMO_PREFERENCE_PORT },
    faults: {
      user: faults(env, 'USER'),
      order: faults(env, 'ORDER'),
      preference: faults(env, 'PREFERENCE'),
    },
  };
}

/**
 * The demo services' own settings. They stand in for upstreams and hold no
 * secret, so a container started with the gateway's NODE_ENV=production
 * and no JWT key of its own still starts.
 */
export function loadDemoServicesConfig(
  environment: Record<string, string | undefined>,
): DemoServicesSettings {
  const parsed = demoSchema.safeParse(withoutBlanks(environment));
  if (!parsed.success) {
    throw new ConfigError([...problemLines(parsed.error.issues)]);
  }
  const problems = portCollisionProblems(parsed.data, DEMO_PORTS);
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return { host: parsed.data.HOST, demo: demoServices(parsed.data) };
}

const DEMO_SERVICE_PORTS = [
  ['USER_SERVICE_URL', 'DEMO_USER_PORT', '4001'],
  ['ORDER_SERVICE_URL', 'DEMO_ORDER_PORT', '4002'],
  ['PREFERENCE_SERVICE_URL', 'DEMO_PREFERENCE_PORT', '4003'],
] as const;

/**
 * A service URL left unset points at the demo service's port on HOST, so
 * moving a demo service off a taken port (DEMO_USER_PORT=4101) or to
 * another address moves the BFFs' calls with it; a port that is no port is
 * left for its own check to name.
 */
function withDemoServiceUrls(source: Record<string, string | undefined>): Record<string, string | undefined> {
  // A HOST that is not one is reported as such, not as three service URLs built from it.
  if (source.HOST !== undefined && !isListenHost(source.HOST)) {
    return source;
  }
  const derived = { ...source };
  const host = demoServicesHost(source.HOST);
  for (const [urlName, portName, defaultPort] of DEMO_SERVICE_PORTS) {
    // Read as the port's own check reads it: ` 4101`, `+4101` and `4101.0` are the port the demo service listens on.
    const port = decimalNumber(source[portName] ?? defaultPort);
    if (
      source[urlName] === undefined &&
      Number.isInteger(port) &&
      (port as number) >= 1 &&
      (port as number) <= 65535
    ) {
      derived[urlName] = `http://${host}:${String(port)}`;
    }
  }
  return derived;
}

/**
 * Where the BFFs reach demo services that listen on HOST: that address
 * itself, or loopback for one that listens on every address. HOST=::1
 * left them calling 127.0.0.1, where nothing listened.
 */
function demoServicesHost(host: string | undefined): string {
  const bare = (host ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
  if (bare === '0.0.0.0' || bare === '::') {
    return '127.0.0.1';
  }
  return isIP(bare) === 6 ? `[${bare}]` : bare;
}

/**
 * A variable set to nothing (`FOO=`, or compose's `${FOO:-}`) is unset, as
 * it is for the optional texts: read as a number it was 0, which turned a
 * cache window or the shutdown grace off without a word.
 */
function withoutBlanks(environment: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value === undefined || value.trim() !== ''),
  );
}

/**
 * The rules that span variables, even when some variables failed their own
 * checks: those are read at their defaults for it, so the operator learns
 * every problem in one round, not the cross-variable ones on the next.
 */
function crossFieldProblemsDespite(
  source: Record<string, string | undefined>,
  failed: ReadonlySet<string>,
  listens: readonly ListenedPort[],
): string[] {
  const rest = envSchema.safeParse(
    Object.fromEntries(Object.entries(source).filter(([name]) => !failed.has(name))),
  );
  if (!rest.success) {
    return [];
  }
  // A rule over a variable already named as wrong would only repeat it, read at its default.
  return crossFieldProblems(rest.data, listens).filter((problem) =>
    problem
      .slice(0, problem.indexOf(':'))
      .split(', ')
      .every((name) => !failed.has(name)),
  );
}

/**
 * Parses the environment once into an {@link AppConfig}. Throws a
 * {@link ConfigError} listing every problem at once, so an operator fixes a
 * deployment in one round instead of one variable per restart. `listens`
 * names the ports the calling process listens on together, which must differ.
 */
export function loadConfig(
  environment: Record<string, string | undefined>,
  listens: readonly ListenedPort[] = [],
): AppConfig {
  const source = withDemoServiceUrls(withoutBlanks(environment));
  const parsed = envSchema.safeParse(source);
  const tuning = tuningEnvSchema.safeParse(source);
  const tracing = tracingEnvSchema.safeParse(source);
  const issues = [
    ...(parsed.error?.issues ?? []),
    ...(tuning.error?.issues ?? []),
    ...(tracing.error?.issues ?? []),
  ];
  if (!parsed.success || !tuning.success || !tracing.success) {
    const failed = new Set(issues.map((issue) => String(issue.path[0])));
    throw new ConfigError([...problemLines(issues), ...crossFieldProblemsDespite(source, failed, listens)]);
  }
  const env = parsed.data;
  const problems = crossFieldProblems(env, listens);
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return {
    environment: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    ports: { mobileBff: env.MOBILE_BFF_PORT, webBff: env.WEB_BFF_PORT },
    http: {
      host: env.HOST,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      headersTimeoutMs: env.HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
      maxHeaderBytes: env.MAX_HEADER_BYTES,
      aggregateDeadlineMs: env.AGGREGATE_DEADLINE_MS,
      trustedProxies: env.TRUSTED_PROXIES,
      tls:
        env.TLS_CERT_FILE === undefined || env.TLS_KEY_FILE === undefined
          ? undefined
          : { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE },
      corsOrigins: env.CORS_ORIGINS,
    },
    services: {
      user: service('user', env.USER_SERVICE_URL, tuning.data),
      order: service('order', env.ORDER_SERVICE_URL, tuning.data),
      preference: service('preference', env.PREFERENCE_SERVICE_URL, tuning.data),
    },
    redisUrl: env.REDIS_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    redisCommandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    throttle: {
      enabled: env.THROTTLE_ENABLED,
      onRedisFailure: env.THROTTLE_ON_REDIS_FAILURE,
      leaseUnits: env.THROTTLE_LEASE_UNITS,
      apps: { mobile: appLimits(env, 'MOBILE_BFF'), web: appLimits(env, 'WEB_BFF') },
    },
    cache: {
      enabled: env.CACHE_ENABLED,
      memoryMaxEntries: env.CACHE_MEMORY_MAX_ENTRIES,
      memoryMaxBytes: env.CACHE_MEMORY_MAX_MB * 1024 * 1024,
      staleWhileRevalidateMs: env.CACHE_STALE_WHILE_REVALIDATE_S * 1000,
      staleIfErrorMs: env.CACHE_STALE_IF_ERROR_S * 1000,
      responseTtlMs: env.CACHE_RESPONSE_TTL_S * 1000,
      lockMs: env.CACHE_LOCK_MS,
    },
    auth: {
      key: jwtKey(env),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_S,
      failedAttempts: { limit: env.AUTH_FAILURE_LIMIT, windowMs: env.AUTH_FAILURE_WINDOW_MS },
    },
    apiKeys: env.API_KEYS,
    passThrough: env.PASS_THROUGH_ROUTES,
    shutdown: {
      graceMs: env.SHUTDOWN_GRACE_MS ?? (env.NODE_ENV === 'production' ? 5_000 : 0),
      drainMs: env.SHUTDOWN_DRAIN_MS,
    },
    throttleTiers: env.THROTTLE_TIERS,
    admin: { allowedIps: env.ADMIN_ALLOWED_IPS },
    demo: demoServices(env),
    tracing: tracingConfig(tracing.data),
  };
}
