import type { PassThroughRoute } from './pass-through.schema.js';

/** The gateway's configuration after parsing: real types, no strings to re-parse, no optional fields that are in fact required. */

export type ServiceName = 'user' | 'order' | 'preference';

export const SERVICE_NAMES: readonly ServiceName[] = ['user', 'order', 'preference'];

export interface InstanceConfig {
  /** Base URL without a trailing slash. */
  url: string;
  /** Share of calls relative to the other instances (smooth weighted round robin). */
  weight: number;
}

export interface BreakerConfig {
  /** Opens after this many failures in a row... */
  consecutiveFailures: number;
  /** ...or when this share of calls fails over the window (1: never by rate)... */
  failureRate: number;
  windowMs: number;
  /** ...provided the window saw at least this many calls per second. */
  minimumRps: number;
  /** How long an open breaker fails fast before letting a probe through. */
  cooldownMs: number;
  /** The consecutive-failure threshold while another gateway instance reports this service failing. */
  suspectConsecutiveFailures: number;
  /** How long such a report keeps the service suspect. */
  suspectForMs: number;
}

export interface RetryConfig {
  /** Retries after the first attempt, for idempotent calls only. */
  maxRetries: number;
  /** Base of the exponential backoff; each wait is drawn from [0, base * 2^attempt] (full jitter). */
  baseDelayMs: number;
  /** Retries may be at most this share of calls over the window, so an outage is never amplified. */
  budgetRatio: number;
  budgetWindowMs: number;
  /** Retries always allowed per window, so a quiet service can still retry a lone failure. */
  budgetMinRetries: number;
}

export interface EjectionConfig {
  /** An instance failing this many calls in a row leaves the rotation... */
  consecutiveFailures: number;
  /** ...for this long, doubling on each new ejection up to the maximum. */
  baseMs: number;
  maxMs: number;
}

export interface HedgeConfig {
  enabled: boolean;
  /** Wait before the second attempt; 0 uses the service's observed p95 latency. */
  delayMs: number;
}

export interface ServiceConfig {
  name: ServiceName;
  instances: InstanceConfig[];
  /** Ceiling for one call; the request deadline may cut it shorter. */
  timeoutMs: number;
  /** Open sockets per instance; callers beyond it queue in the agent instead of opening more. */
  maxSockets: number;
  /** Calls in flight to the service at once; beyond it calls fail fast instead of piling onto a slow upstream. */
  maxInFlight: number;
  /** How often host names are resolved again, so a name whose answers change spreads load over them; 0 never. */
  dnsRefreshMs: number;
  breaker: BreakerConfig;
  retry: RetryConfig;
  ejection: EjectionConfig;
  hedge: HedgeConfig;
  /** How long the service's resources stay fresh in the cache; 0 never caches them. */
  cacheTtlMs: number;
  /** What the health report asks of each instance to see that it answers. */
  healthPath: string;
}

export type AppName = 'mobile' | 'web';

export interface RateWindow {
  limit: number;
  windowMs: number;
}

export interface ThrottleConfig {
  enabled: boolean;
  /** Per app, a short burst window and a sustained one; a consumer's tier replaces the limits. */
  apps: Record<AppName, { burst: RateWindow; sustained: RateWindow }>;
  /** While Redis cannot count: limit in this instance alone (open) or refuse with 503 (closed). */
  onRedisFailure: 'open' | 'closed';
  /** Units an instance counts ahead in Redis for a caller far from its limits and spends without a round trip; 0: none. */
  leaseUnits: number;
}

export interface CacheConfig {
  enabled: boolean;
  /** Entries the in-memory layer holds before it evicts the least recently used. */
  memoryMaxEntries: number;
  /** What the in-memory layer's entries may add up to, counted as the length of their JSON. */
  memoryMaxBytes: number;
  /** Past its freshness, an entry is still served for this long while it is refreshed in the background. */
  staleWhileRevalidateMs: number;
  /** Past its freshness, an entry is served for this long when the upstream fails, flagged stale. */
  staleIfErrorMs: number;
  /** Freshness of a cached aggregate answer (and its Cache-Control max-age); 0 turns response caching off. */
  responseTtlMs: number;
  /** How long one instance holds the Redis lock while it loads a missing entry for all. */
  lockMs: number;
}

export type JwtKeyConfig =
  | { kind: 'secret'; secret: string; algorithms: ['HS256']; isDevelopmentSecret: boolean }
  | { kind: 'public-key'; publicKeyPem: string; algorithms: ['RS256'] | ['ES256'] }
  | {
      kind: 'jwks';
      url: string;
      algorithms: ['RS256', 'ES256'];
      refreshIntervalMs: number;
      unknownKidCooldownMs: number;
    };

export interface AuthConfig {
  key: JwtKeyConfig;
  issuer: string | undefined;
  audience: string | undefined;
  clockToleranceSeconds: number;
  /** Failed authentications an address may make per window before it is held back (429); a limit of 0 holds none back. */
  failedAttempts: { limit: number; windowMs: number };
}

/** A server-to-server caller that authenticates with an `X-API-Key`. */
export interface ApiKeyConsumer {
  /** Unique; the caller's id once authenticated. */
  name: string;
  /** SHA-256 of the key (32 bytes): the key itself is never configured. */
  keyHash: Buffer;
  roles: string[];
  /** One of the configured throttle tiers. */
  tier: string;
}

/** Rate limits of one consumer tier. */
export interface ThrottleTier {
  /** Requests per burst window (THROTTLE_BURST_WINDOW_MS). */
  burst: number;
  /** Requests per sustained window (THROTTLE_SUSTAINED_WINDOW_MS). */
  sustained: number;
}

export interface FaultKnobs {
  latencyMs: number;
  errorRate: number;
  down: boolean;
  malformed: boolean;
  hang: boolean;
}

export interface DemoServicesConfig {
  ports: Record<ServiceName, number>;
  faults: Record<ServiceName, FaultKnobs>;
}

export interface HttpConfig {
  host: string;
  /** Addresses or CIDR ranges of the proxies whose X-Forwarded-For is believed; no one else's is. */
  trustedProxies: string[];
  /** Serve HTTPS with this PEM certificate and key, for deployments without a TLS-terminating ingress. */
  tls: { certFile: string; keyFile: string } | undefined;
  bodyLimitBytes: number;
  /** How long a client may take to send its request line and headers; past it, a 408 and the socket closes. */
  headersTimeoutMs: number;
  /** How long a client may take to send its whole request, body included; at least `headersTimeoutMs`. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** Largest request line plus headers; past it, a 431 (a 414 when the request line alone is past it). */
  maxHeaderBytes: number;
  /** Budget for one aggregate request, from arrival to answer. */
  aggregateDeadlineMs: number;
  corsOrigins: string[];
}

export type TracesSampler =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

/** Where spans go and which are kept; present only when a collector is configured. */
export interface TracingConfig {
  /** The OTLP/HTTP traces endpoint (`.../v1/traces`); spans are sent as JSON. */
  url: string;
  /** Sent with every export (a vendor's API key, say); never logged. */
  headers: Record<string, string>;
  /** Bounds one export, retries included. */
  exportTimeoutMs: number;
  /** `service.name` of every span; unset, each app's own name (`mobile-bff`, `web-bff`). */
  serviceName: string | undefined;
  sampler: TracesSampler;
  /** Share of new traces kept by the ratio samplers. */
  samplerRatio: number;
  /** How long ended spans wait to leave in one batch. */
  batchDelayMs: number;
}

export interface AppConfig {
  environment: 'development' | 'test' | 'production';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  ports: { mobileBff: number; webBff: number };
  http: HttpConfig;
  services: Record<ServiceName, ServiceConfig>;
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  redisKeyPrefix: string;
  /** Longest a Redis command may take before the caller goes on without it. */
  redisCommandTimeoutMs: number;
  cache: CacheConfig;
  throttle: ThrottleConfig;
  shutdown: {
    /** After readiness turns 503, before new connections are refused. */
    graceMs: number;
    /** How long requests in flight may take to finish once new connections are refused. */
    drainMs: number;
  };
  /** BFF path prefixes relayed to an upstream service without aggregation. */
  passThrough: PassThroughRoute[];
  auth: AuthConfig;
  apiKeys: ApiKeyConsumer[];
  /** Every tier an API key may name, by name. */
  throttleTiers: Record<string, ThrottleTier>;
  admin: {
    /** Addresses or CIDR ranges admin routes answer (the caller's address as `trustedProxies` resolves it); empty, any. */
    allowedIps: string[];
  };
  demo: DemoServicesConfig;
  /** OpenTelemetry traces; undefined (the default) builds nothing and sends nothing. */
  tracing: TracingConfig | undefined;
}
