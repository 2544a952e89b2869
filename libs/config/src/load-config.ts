import type { AppConfig, FaultKnobs, JwtKeyConfig, ServiceConfig, ServiceName } from './app-config.js';
import { ConfigError } from './config.error.js';
import { DEVELOPMENT_JWT_SECRET } from './development-secret.js';
import { algorithmForPublicKey, envSchema, type Env } from './env.schema.js';

const MIN_PRODUCTION_SECRET_LENGTH = 32;

/** Rules that span several variables; each returns `VARIABLE: rule` lines. */
function crossFieldProblems(env: Env): string[] {
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
    } else if (env.JWT_SECRET !== undefined && env.JWT_SECRET.length < MIN_PRODUCTION_SECRET_LENGTH) {
      problems.push(`JWT_SECRET: must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production`);
    }
  }
  if (env.JWT_PUBLIC_KEY !== undefined && algorithmForPublicKey(env.JWT_PUBLIC_KEY) === undefined) {
    problems.push('JWT_PUBLIC_KEY: must be a PEM RSA public key or a PEM EC P-256 public key');
  }
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

function service(name: ServiceName, urls: string[], env: Env): ServiceConfig {
  return { name, urls, timeoutMs: env.UPSTREAM_TIMEOUT_MS, maxSockets: env.UPSTREAM_MAX_SOCKETS };
}

function faults(env: Env, prefix: 'USER' | 'ORDER' | 'PREFERENCE'): FaultKnobs {
  return {
    latencyMs: env[`DEMO_${prefix}_LATENCY_MS`],
    errorRate: env[`DEMO_${prefix}_ERROR_RATE`],
    down: env[`DEMO_${prefix}_DOWN`],
    malformed: env[`DEMO_${prefix}_MALFORMED`],
    hang: env[`DEMO_${prefix}_HANG`],
  };
}

/**
 * Parses the environment once into an {@link AppConfig}. Throws a
 * {@link ConfigError} listing every problem at once, so an operator fixes a
 * deployment in one round instead of one variable per restart.
 */
export function loadConfig(source: Record<string, string | undefined>): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError([...new Set(problems)]);
  }
  const env = parsed.data;
  const problems = crossFieldProblems(env);
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
      aggregateDeadlineMs: env.AGGREGATE_DEADLINE_MS,
      corsOrigins: env.CORS_ORIGINS,
    },
    services: {
      user: service('user', env.USER_SERVICE_URL, env),
      order: service('order', env.ORDER_SERVICE_URL, env),
      preference: service('preference', env.PREFERENCE_SERVICE_URL, env),
    },
    redisUrl: env.REDIS_URL,
    auth: {
      key: jwtKey(env),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_S,
    },
    demo: {
      ports: { user: env.DEMO_USER_PORT, order: env.DEMO_ORDER_PORT, preference: env.DEMO_PREFERENCE_PORT },
      faults: {
        user: faults(env, 'USER'),
        order: faults(env, 'ORDER'),
        preference: faults(env, 'PREFERENCE'),
      },
    },
  };
}
