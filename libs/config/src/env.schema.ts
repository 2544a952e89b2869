import { createPublicKey } from 'node:crypto';
import { z } from 'zod';

/*
 * Every message names the rule, never the received value: a value may be a
 * secret, and config errors end up in logs.
 */

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a port number' })
    .int({ error: 'must be a whole port number' })
    .min(1, { error: 'must be a port from 1 to 65535' })
    .max(65535, { error: 'must be a port from 1 to 65535' })
    .default(fallback);

const positiveInt = (fallback: number, max: number, unit: string) =>
  z.coerce
    .number({ error: `must be a whole number of ${unit}` })
    .int({ error: `must be a whole number of ${unit}` })
    .min(1, { error: `must be at least 1 ${unit}` })
    .max(max, { error: `must be at most ${max} ${unit}` })
    .default(fallback);

const nonNegativeInt = (fallback: number, max: number, unit: string) =>
  z.coerce
    .number({ error: `must be a whole number of ${unit}` })
    .int({ error: `must be a whole number of ${unit}` })
    .min(0, { error: `must be 0 or more ${unit}` })
    .max(max, { error: `must be at most ${max} ${unit}` })
    .default(fallback);

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''], { error: 'must be true or false' })
  .default('false')
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const rate = z.coerce
  .number({ error: 'must be a number from 0 to 1' })
  .min(0, { error: 'must be a number from 0 to 1' })
  .max(1, { error: 'must be a number from 0 to 1' })
  .default(0);

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
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
    .refine((urls) => urls.length > 0, { error: 'must list at least one instance URL' })
    .refine((urls) => urls.every(isHttpUrl), {
      error: 'must be a comma-separated list of http(s) base URLs without query or fragment',
    })
    .transform((urls) => urls.map((url) => url.replace(/\/+$/, '')));

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

export const envSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'test', 'production'], { error: 'must be development, test or production' })
    .default('development'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], {
      error: 'must be one of fatal, error, warn, info, debug, trace',
    })
    .default('info'),
  HOST: z
    .string()
    .default('127.0.0.1')
    .refine((value) => /^[A-Za-z0-9.:\-[\]]+$/.test(value), {
      error: 'must be a host name or IP address to listen on',
    }),
  MOBILE_BFF_PORT: port(3001),
  WEB_BFF_PORT: port(3002),
  USER_SERVICE_URL: instanceUrls('http://127.0.0.1:4001'),
  ORDER_SERVICE_URL: instanceUrls('http://127.0.0.1:4002'),
  PREFERENCE_SERVICE_URL: instanceUrls('http://127.0.0.1:4003'),
  UPSTREAM_TIMEOUT_MS: positiveInt(1000, 60_000, 'milliseconds'),
  UPSTREAM_MAX_SOCKETS: positiveInt(128, 10_000, 'sockets'),
  AGGREGATE_DEADLINE_MS: positiveInt(1500, 60_000, 'milliseconds'),
  BODY_LIMIT_BYTES: positiveInt(64 * 1024, 16 * 1024 * 1024, 'bytes'),
  REDIS_URL: optionalText('must be a redis:// or rediss:// URL').refine(
    (value) => value === undefined || /^rediss?:\/\/[^\s]+$/.test(value),
    { error: 'must be a redis:// or rediss:// URL' },
  ),
  JWT_SECRET: optionalText('must be at most 2048 characters'),
  JWT_PUBLIC_KEY: optionalText('must be a PEM public key').transform((value) =>
    value === undefined ? undefined : unescapePem(value),
  ),
  JWT_JWKS_URL: optionalText('must be an http(s) URL').refine(
    (value) => value === undefined || isHttpUrl(value),
    {
      error: 'must be an http(s) URL',
    },
  ),
  JWT_ISSUER: optionalText('must be at most 2048 characters'),
  JWT_AUDIENCE: optionalText('must be at most 2048 characters'),
  JWT_CLOCK_TOLERANCE_S: nonNegativeInt(10, 300, 'seconds'),
  JWT_JWKS_REFRESH_INTERVAL_S: positiveInt(600, 86_400, 'seconds'),
  JWT_JWKS_UNKNOWN_KID_COOLDOWN_S: positiveInt(30, 3600, 'seconds'),
  CORS_ORIGINS: commaList.refine(
    (origins) => origins.every((origin) => origin === '*' || isHttpUrl(origin)),
    {
      error: 'must be a comma-separated list of origins such as https://app.example.com',
    },
  ),
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

export type Env = z.output<typeof envSchema>;
