import { createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { decimalNumber } from './decimal-number.js';
import { lowerCased } from './lower-cased.js';
import { apiKeysSchema } from './api-keys.schema.js';
import { SERVICE_ENV_PREFIX, tuningSchema } from './service-tuning.schema.js';
import { throttleTiersSchema } from './throttle-tiers.schema.js';
import { passThroughRoutesSchema } from './pass-through.schema.js';

/*
 * Every message names the rule, never the received value: a value may be a
 * secret, and config errors end up in logs.
 */

const port = (fallback: number) =>
  z.preprocess(
    decimalNumber,
    z
      .number({ error: 'must be a port number' })
      // The range first, and alone: zod's int() also refuses a number past 2^53, which would add a wrong second line.
      .min(1, { error: 'must be a port from 1 to 65535', abort: true })
      .max(65535, { error: 'must be a port from 1 to 65535', abort: true })
      .int({ error: 'must be a whole port number' })
      .default(fallback),
  );

/** A whole number of `unit` from `min` (0 or 1) to `max`. */
const wholeNumber = (min: 0 | 1, max: number, unit: string) =>
  z
    .number({ error: `must be a whole number of ${unit}` })
    // The range first, and alone: zod's int() also refuses a number past 2^53, which would add a wrong second line.
    .min(min, { error: min === 0 ? `must be 0 or more ${unit}` : `must be at least 1 ${unit}`, abort: true })
    .max(max, { error: `must be at most ${max} ${unit}`, abort: true })
    .int({ error: `must be a whole number of ${unit}` });

const positiveInt = (fallback: number, max: number, unit: string) =>
  z.preprocess(decimalNumber, wholeNumber(1, max, unit).default(fallback));

const optionalPositiveInt = (max: number, unit: string) =>
  z.preprocess(decimalNumber, wholeNumber(1, max, unit).optional());

const nonNegativeIntOptional = (max: number, unit: string) =>
  z.preprocess(decimalNumber, wholeNumber(0, max, unit).optional());

const nonNegativeInt = (fallback: number, max: number, unit: string) =>
  z.preprocess(decimalNumber, wholeNumber(0, max, unit).default(fallback));

const flag = z.preprocess(
  lowerCased,
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''], { error: 'must be true or false' })
    .default('false')
    .transform((value) => ['true', '1', 'yes', 'on'].includes(value)),
);

/** A yes/no variable that is on unless set otherwise. */
const onByDefault = z.preprocess(
  lowerCased,
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'must be true or false' })
    .default('true')
    .transform((value) => ['true', '1', 'yes', 'on'].includes(value)),
);

const rate = z.preprocess(
  decimalNumber,
  z
    .number({ error: 'must be a number from 0 to 1' })
    .min(0, { error: 'must be a number from 0 to 1' })
    .max(1, { error: 'must be a number from 0 to 1' })
    .default(0),
);

/** `value` read as an http(s) URL with no fragment, or undefined when it is none. */
function httpUrl(value: string): URL | undefined {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.hash === ''
    ? url
    : undefined;
}

function isHttpUrl(value: string): boolean {
  return httpUrl(value)?.search === '';
}

/**
 * What a server can listen on: an IP address (IPv6 without the brackets a
 * URL puts around it: `listen('[::1]')` looks the name up and fails), or a
 * host name of RFC 1123 labels. Digits and dots alone must make an IPv4
 * address: `999.1.1.1` is neither.
 */
export function isListenHost(value: string): boolean {
  if (isIP(value) !== 0) {
    return true;
  }
  if (/^[\d.]+$/.test(value) || value.length > 253) {
    return false;
  }
  return value.split('.').every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/**
 * Where the signing keys are published: an http(s) URL, whose query an
 * identity provider may need (Azure AD's `?appid=`), and without
 * credentials, which fetch() refuses to send from a URL (and the error
 * that says so would print them).
 */
function isJwksUrl(value: string): boolean {
  const url = httpUrl(value);
  return url !== undefined && url.username === '' && url.password === '';
}

/**
 * An origin exactly as a browser sends it in `Origin`: lower-case scheme
 * and host, no default port, no path (not even `/`), no wildcard. The CORS
 * check compares strings, so `https://App.example.com/` would never match.
 */
function isOrigin(value: string): boolean {
  if (!isHttpUrl(value) || value.includes('*')) {
    return false;
  }
  return new URL(value).origin === value;
}

function isIpOrCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) {
    return false;
  }
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/**
 * As ioredis will read it: a WHATWG URL (a port that is no number fails
 * there, with the password in the error), and a path that is a database
 * number if anything: ioredis selects `NaN` for `/cache`, and the failed
 * SELECT took the process down after it had said it was ready.
 */
function isRedisUrl(value: string): boolean {
  if (!URL.canParse(value)) {
    return false;
  }
  const { protocol, pathname } = new URL(value);
  return (protocol === 'redis:' || protocol === 'rediss:') && /^(\/(\d{1,5})?)?$/.test(pathname);
}

const REDIS_URL_RULE = 'must be a redis:// or rediss:// URL, with a database number as its path if any';

const WEIGHTED = /^(.*?)\s*;\s*weight\s*=\s*(\d{1,3})$/;

/**
 * `http://orders-1:8080;weight=3` is an instance that takes three times its
 * share of calls. A `;` left in the URL is a weight that could not be read
 * (`;weight=1000`, `;wieght=2`): taken as part of the base path, it would
 * have every call miss.
 */
function parseInstance(entry: string): { url: string; weight: number } | undefined {
  const weighted = WEIGHTED.exec(entry);
  const url = (weighted ? weighted[1] : entry).replace(/\/+$/, '');
  const weight = weighted ? Number(weighted[2]) : 1;
  return isHttpUrl(url) && !url.includes(';') && weight >= 1 ? { url, weight } : undefined;
}

/**
 * What is wrong with a list of well-formed instance URLs. Credentials in
 * one would be dropped: calls go to the URL's origin and path, and the
 * admin API lists instances by URL. One instance named twice is a typo or
 * a weight written the long way; with it, round robin, outlier ejection and
 * /health would count it as two.
 */
function instanceListProblem(urls: readonly URL[]): string | undefined {
  if (urls.some((url) => url.username !== '' || url.password !== '')) {
    return 'must not carry credentials (user:password@): the gateway does not send them to a service';
  }
  const seen = new Set<string>();
  for (const url of urls) {
    const name = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    if (seen.has(name)) {
      return `names the instance ${name} twice: give it a ;weight=N instead`;
    }
    seen.add(name);
  }
  return undefined;
}

const instanceUrls = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .refine((entries) => entries.length > 0, { error: 'must list at least one instance URL' })
    .refine((entries) => entries.every((entry) => parseInstance(entry) !== undefined), {
      error:
        'must be a comma-separated list of http(s) base URLs without query or fragment, each optionally followed by ;weight=N (1 to 999)',
    })
    .transform((entries) => entries.map((entry) => parseInstance(entry) as { url: string; weight: number }))
    .superRefine((instances, context) => {
      const problem = instanceListProblem(instances.map(({ url }) => new URL(url)));
      if (problem !== undefined) {
        context.addIssue({ code: 'custom', message: problem });
      }
    });

const commaList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  );

const optionalText = (rule: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()))
    .refine((value) => value === undefined || value.length <= 2048, { error: rule });

/** PEM keys arrive through env files and orchestrators with their newlines escaped. */
function unescapePem(value: string): string {
  return value.includes('\\n') ? value.replace(/\\n/g, '\n') : value;
}

export type PublicKeyAlgorithm = 'RS256' | 'ES256';

/** Below this an RSA key can be factored by a well-funded attacker, who could then sign any token. */
export const MIN_RSA_MODULUS_BITS = 2048;

/** Any PEM private key: PKCS#8, PKCS#1 (RSA), SEC1 (EC), encrypted or not. */
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** The one algorithm a public key may verify: RSA keys RS256, P-256 keys ES256; anything else is refused. */
export function algorithmForPublicKey(pem: string): PublicKeyAlgorithm | undefined {
  try {
    const key = createPublicKey(unescapePem(pem));
    if (key.asymmetricKeyType === 'rsa') {
      return 'RS256';
    }
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
      return 'ES256';
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with a JWT_PUBLIC_KEY, or `undefined` when it can verify
 * tokens. A private key is refused although Node would derive its public
 * half: whoever holds it can sign any token, so it has no place in the
 * gateway's environment.
 */
export function publicKeyProblem(pem: string): string | undefined {
  if (PRIVATE_KEY_PEM.test(pem)) {
    return 'is a private key: give the public key, and keep the private key, which signs tokens, out of the gateway';
  }
  const algorithm = algorithmForPublicKey(pem);
  if (algorithm === undefined) {
    return 'must be a PEM RSA public key or a PEM EC P-256 public key';
  }
  const bits = createPublicKey(unescapePem(pem)).asymmetricKeyDetails?.modulusLength;
  if (algorithm === 'RS256' && (bits === undefined || bits < MIN_RSA_MODULUS_BITS)) {
    return `must be an RSA key of at least ${MIN_RSA_MODULUS_BITS} bits`;
  }
  return undefined;
}

const baseSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'test', 'production'], { error: 'must be development, test or production' })
    .default('development'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], {
      error: 'must be one of fatal, error, warn, info, debug, trace',
    })
    .default('info'),
  HOST: z.string().default('127.0.0.1').refine(isListenHost, {
    error: 'must be a host name or IP address to listen on (an IPv6 address without brackets)',
  }),
  MOBILE_BFF_PORT: port(3001),
  WEB_BFF_PORT: port(3002),
  USER_SERVICE_URL: instanceUrls('http://127.0.0.1:4001'),
  ORDER_SERVICE_URL: instanceUrls('http://127.0.0.1:4002'),
  PREFERENCE_SERVICE_URL: instanceUrls('http://127.0.0.1:4003'),
  AGGREGATE_DEADLINE_MS: positiveInt(1500, 60_000, 'milliseconds'),
  BODY_LIMIT_BYTES: positiveInt(64 * 1024, 16 * 1024 * 1024, 'bytes'),
  // A slow client holds a socket at most this long while sending headers (slowloris), then the whole request.
  HEADERS_TIMEOUT_MS: positiveInt(10_000, 300_000, 'milliseconds'),
  REQUEST_TIMEOUT_MS: positiveInt(30_000, 3_600_000, 'milliseconds'),
  // Above the 60 s idle timeout of common load balancers (nginx here, cloud ones), so they close idle sockets first.
  KEEP_ALIVE_TIMEOUT_MS: positiveInt(72_000, 600_000, 'milliseconds'),
  MAX_HEADER_BYTES: positiveInt(16 * 1024, 1024 * 1024, 'bytes'),
  REDIS_KEY_PREFIX: z
    .string()
    .default('bff:')
    .refine((value) => /^[A-Za-z0-9:_.-]{0,64}$/.test(value), {
      error: 'must be at most 64 letters, digits or : _ . -',
    }),
  // A slow Redis may add at most this to a request: past it the cache is skipped for that call.
  REDIS_COMMAND_TIMEOUT_MS: positiveInt(100, 10_000, 'milliseconds'),
  TLS_CERT_FILE: optionalText('must be a path to a PEM certificate'),
  TLS_KEY_FILE: optionalText('must be a path to a PEM private key'),
  // Unset: 5 s in production (load balancers see readiness turn 503 before connections are refused), 0 elsewhere.
  SHUTDOWN_GRACE_MS: nonNegativeIntOptional(600_000, 'milliseconds'),
  SHUTDOWN_DRAIN_MS: positiveInt(10_000, 600_000, 'milliseconds'),
  THROTTLE_ENABLED: onByDefault,
  THROTTLE_BURST_LIMIT: positiveInt(20, 1_000_000, 'requests'),
  THROTTLE_BURST_WINDOW_MS: positiveInt(1000, 3_600_000, 'milliseconds'),
  THROTTLE_SUSTAINED_LIMIT: positiveInt(600, 100_000_000, 'requests'),
  THROTTLE_SUSTAINED_WINDOW_MS: positiveInt(60_000, 86_400_000, 'milliseconds'),
  MOBILE_BFF_THROTTLE_BURST_LIMIT: optionalPositiveInt(1_000_000, 'requests'),
  MOBILE_BFF_THROTTLE_SUSTAINED_LIMIT: optionalPositiveInt(100_000_000, 'requests'),
  WEB_BFF_THROTTLE_BURST_LIMIT: optionalPositiveInt(1_000_000, 'requests'),
  WEB_BFF_THROTTLE_SUSTAINED_LIMIT: optionalPositiveInt(100_000_000, 'requests'),
  // Open keeps the gateway answering through a Redis outage, each instance limiting on its own.
  // With Redis: what an instance may count ahead for a caller far from its limits, to admit its next requests without a round trip.
  THROTTLE_LEASE_UNITS: nonNegativeInt(64, 1_000, 'units'),
  THROTTLE_ON_REDIS_FAILURE: z.enum(['open', 'closed'], { error: 'must be open or closed' }).default('open'),
  TRUSTED_PROXIES: commaList.refine((entries) => entries.every(isIpOrCidr), {
    error: 'must be a comma-separated list of IP addresses or CIDR ranges',
  }),
  ADMIN_ALLOWED_IPS: commaList.refine((entries) => entries.every(isIpOrCidr), {
    error: 'must be a comma-separated list of IP addresses or CIDR ranges',
  }),
  CACHE_ENABLED: onByDefault,
  CACHE_MEMORY_MAX_ENTRIES: positiveInt(10_000, 10_000_000, 'entries'),
  CACHE_MEMORY_MAX_MB: positiveInt(32, 65_536, 'megabytes'),
  /*
   * Off by default: a section served past its freshness is reported stale, and
   * the answer incomplete, by contract, so a healthy gateway serving from its
   * revalidation window would tell clients something is wrong when nothing is.
   */
  CACHE_STALE_WHILE_REVALIDATE_S: nonNegativeInt(0, 86_400, 'seconds'),
  CACHE_STALE_IF_ERROR_S: nonNegativeInt(86_400, 7 * 86_400, 'seconds'),
  CACHE_RESPONSE_TTL_S: nonNegativeInt(5, 3600, 'seconds'),
  CACHE_LOCK_MS: positiveInt(2000, 60_000, 'milliseconds'),
  REDIS_URL: optionalText(REDIS_URL_RULE).refine((value) => value === undefined || isRedisUrl(value), {
    error: REDIS_URL_RULE,
  }),
  JWT_SECRET: optionalText('must be at most 2048 characters'),
  JWT_PUBLIC_KEY: optionalText('must be a PEM public key').transform((value) =>
    value === undefined ? undefined : unescapePem(value),
  ),
  JWT_JWKS_URL: optionalText('must be an http(s) URL').refine(
    (value) => value === undefined || isJwksUrl(value),
    {
      error: 'must be an http(s) URL without credentials or fragment',
    },
  ),
  JWT_ISSUER: optionalText('must be at most 2048 characters'),
  JWT_AUDIENCE: optionalText('must be at most 2048 characters'),
  JWT_CLOCK_TOLERANCE_S: nonNegativeInt(10, 300, 'seconds'),
  /*
   * Off by default: behind a proxy not listed in TRUSTED_PROXIES every client
   * shares the proxy's address, and one client's bad tokens would hold back
   * every new sign-in behind it. Set it once addresses are the clients' own.
   */
  AUTH_FAILURE_LIMIT: nonNegativeInt(0, 1_000_000, 'failures'),
  AUTH_FAILURE_WINDOW_MS: positiveInt(60_000, 3_600_000, 'milliseconds'),
  JWT_JWKS_REFRESH_INTERVAL_S: positiveInt(600, 86_400, 'seconds'),
  JWT_JWKS_UNKNOWN_KID_COOLDOWN_S: positiveInt(30, 3600, 'seconds'),
  API_KEYS: apiKeysSchema,
  THROTTLE_TIERS: throttleTiersSchema,
  PASS_THROUGH_ROUTES: passThroughRoutesSchema,
  CORS_ORIGINS: commaList
    .refine((origins) => origins.every((origin) => origin === '*' || isOrigin(origin)), {
      error:
        'must be a comma-separated list of origins such as https://app.example.com (scheme, host and port only, no path or wildcard), or *',
    })
    .refine((origins) => !origins.includes('*') || origins.length === 1, {
      error: 'must be * alone, or a list of origins: * among origins would allow every origin',
    }),
  DEMO_USER_PORT: port(4001),
  DEMO_ORDER_PORT: port(4002),
  DEMO_PREFERENCE_PORT: port(4003),
  DEMO_USER_LATENCY_MS: nonNegativeInt(0, 60_000, 'milliseconds'),
  DEMO_ORDER_LATENCY_MS: nonNegativeInt(0, 60_000, 'milliseconds'),
  DEMO_PREFERENCE_LATENCY_MS: nonNegativeInt(0, 60_000, 'milliseconds'),
  DEMO_USER_ERROR_RATE: rate,
  DEMO_ORDER_ERROR_RATE: rate,
  DEMO_PREFERENCE_ERROR_RATE: rate,
  DEMO_USER_DOWN: flag,
  DEMO_ORDER_DOWN: flag,
  DEMO_PREFERENCE_DOWN: flag,
  DEMO_USER_MALFORMED: flag,
  DEMO_ORDER_MALFORMED: flag,
  DEMO_PREFERENCE_MALFORMED: flag,
  DEMO_USER_HANG: flag,
  DEMO_ORDER_HANG: flag,
  DEMO_PREFERENCE_HANG: flag,
});

export const envSchema = baseSchema;

/** The upstream tuning variables: for all services and per service. */
export const tuningEnvSchema = z.object({
  ...tuningSchema('UPSTREAM_').shape,
  ...tuningSchema(SERVICE_ENV_PREFIX.user).shape,
  ...tuningSchema(SERVICE_ENV_PREFIX.order).shape,
  ...tuningSchema(SERVICE_ENV_PREFIX.preference).shape,
});

export type Env = z.output<typeof baseSchema>;
