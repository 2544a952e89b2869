import { z } from 'zod';
import { decimalNumber } from './decimal-number.js';
import { lowerCased } from './lower-cased.js';
import type { ServiceName } from './app-config.js';

/*
 * Each upstream setting can be set for all services (UPSTREAM_<FIELD>) and
 * overridden for one (USER_SERVICE_<FIELD>, ORDER_SERVICE_<FIELD>,
 * PREFERENCE_SERVICE_<FIELD>). Defaults below apply when neither is set.
 */

const wholeNumber = (min: number, max: number, unit: string) =>
  z.preprocess(
    decimalNumber,
    z
      .number({ error: `must be a whole number of ${unit}` })
      // The range first, and alone: zod's int() also refuses a number past 2^53, which would add a wrong second line.
      .min(min, { error: `must be at least ${min} ${unit}`, abort: true })
      .max(max, { error: `must be at most ${max} ${unit}`, abort: true })
      .int({ error: `must be a whole number of ${unit}` }),
  );

const share = z.preprocess(
  decimalNumber,
  z
    .number({ error: 'must be a number from 0 to 1' })
    .min(0, { error: 'must be a number from 0 to 1' })
    .max(1, { error: 'must be a number from 0 to 1' }),
);

/** A failure rate that opens a breaker; 1 turns rate-based opening off. */
const failureRate = z.preprocess(
  decimalNumber,
  z
    .number({ error: 'must be a number above 0 and at most 1 (1 turns it off)' })
    .gt(0, { error: 'must be a number above 0 and at most 1 (1 turns it off)' })
    .max(1, { error: 'must be a number above 0 and at most 1 (1 turns it off)' }),
);

const onOff = z.preprocess(
  lowerCased,
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'must be true or false' })
    .transform((value) => ['true', '1', 'yes', 'on'].includes(value)),
);

export const TUNING_FIELDS = {
  TIMEOUT_MS: wholeNumber(1, 60_000, 'milliseconds'),
  MAX_SOCKETS: wholeNumber(1, 10_000, 'sockets'),
  MAX_IN_FLIGHT: wholeNumber(1, 100_000, 'calls'),
  DNS_REFRESH_MS: wholeNumber(0, 3_600_000, 'milliseconds'),
  BREAKER_CONSECUTIVE_FAILURES: wholeNumber(1, 1000, 'failures'),
  BREAKER_FAILURE_RATE: failureRate,
  BREAKER_WINDOW_MS: wholeNumber(1000, 600_000, 'milliseconds'),
  // At least 1: cockatiel reads 0 as unset and falls back to a far higher minimum.
  BREAKER_MIN_RPS: wholeNumber(1, 100_000, 'calls per second'),
  BREAKER_COOLDOWN_MS: wholeNumber(100, 600_000, 'milliseconds'),
  BREAKER_SUSPECT_FAILURES: wholeNumber(1, 1000, 'failures'),
  BREAKER_SUSPECT_FOR_MS: wholeNumber(1000, 600_000, 'milliseconds'),
  RETRY_MAX: wholeNumber(0, 2, 'retries'),
  RETRY_BASE_DELAY_MS: wholeNumber(1, 10_000, 'milliseconds'),
  RETRY_BUDGET_RATIO: share,
  RETRY_BUDGET_WINDOW_MS: wholeNumber(1000, 600_000, 'milliseconds'),
  RETRY_BUDGET_MIN_RETRIES: wholeNumber(0, 10_000, 'retries'),
  EJECTION_CONSECUTIVE_FAILURES: wholeNumber(1, 1000, 'failures'),
  EJECTION_BASE_MS: wholeNumber(100, 600_000, 'milliseconds'),
  EJECTION_MAX_MS: wholeNumber(100, 3_600_000, 'milliseconds'),
  HEDGE: onOff,
  HEDGE_DELAY_MS: wholeNumber(0, 60_000, 'milliseconds'),
  CACHE_TTL_S: wholeNumber(0, 86_400, 'seconds'),
  HEALTH_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,255}$/, { error: 'must be a path starting with /' }),
} as const;

export type TuningField = keyof typeof TUNING_FIELDS;
export type Tuning = { [K in TuningField]: z.output<(typeof TUNING_FIELDS)[K]> };

export const TUNING_DEFAULTS: Tuning = {
  TIMEOUT_MS: 1000,
  MAX_SOCKETS: 128,
  MAX_IN_FLIGHT: 512,
  DNS_REFRESH_MS: 30_000,
  // Five straight failures is an outage, not noise; a 50% failure rate at 5+ calls/s over 10 s is one too.
  BREAKER_CONSECUTIVE_FAILURES: 5,
  BREAKER_FAILURE_RATE: 0.5,
  BREAKER_WINDOW_MS: 10_000,
  BREAKER_MIN_RPS: 5,
  // Long enough for a restarting pod to come back, short enough that recovery is seen within seconds.
  BREAKER_COOLDOWN_MS: 5_000,
  BREAKER_SUSPECT_FAILURES: 2,
  BREAKER_SUSPECT_FOR_MS: 30_000,
  RETRY_MAX: 2,
  RETRY_BASE_DELAY_MS: 25,
  // Retries at most add a fifth to the load of a failing upstream (the default of Finagle and Linkerd).
  RETRY_BUDGET_RATIO: 0.2,
  RETRY_BUDGET_WINDOW_MS: 10_000,
  RETRY_BUDGET_MIN_RETRIES: 5,
  EJECTION_CONSECUTIVE_FAILURES: 3,
  EJECTION_BASE_MS: 1_000,
  EJECTION_MAX_MS: 30_000,
  HEDGE: false,
  HEDGE_DELAY_MS: 0,
  CACHE_TTL_S: 60,
  HEALTH_PATH: '/health',
};

/** Where a service's own default differs from the one for all: how long its resources stay fresh in the cache. */
const SERVICE_DEFAULTS: Record<ServiceName, Partial<Tuning>> = {
  user: { CACHE_TTL_S: 60 },
  // Preferences change rarely, and every change through the gateway invalidates them.
  preference: { CACHE_TTL_S: 300 },
  // New orders must show up quickly.
  order: { CACHE_TTL_S: 15 },
};

export const SERVICE_ENV_PREFIX: Record<ServiceName, string> = {
  user: 'USER_SERVICE_',
  order: 'ORDER_SERVICE_',
  preference: 'PREFERENCE_SERVICE_',
};

const FIELD_NAMES = Object.keys(TUNING_FIELDS) as TuningField[];

/** The tuning variables for one prefix (`UPSTREAM_` or a service's), all optional. */
export function tuningSchema(prefix: string) {
  return z.object(
    Object.fromEntries(FIELD_NAMES.map((field) => [prefix + field, TUNING_FIELDS[field].optional()])),
  );
}

/** Per field: the service's own value, else the value for all services, else the service's default, else the default. */
export function resolveTuning(parsed: Record<string, unknown>, service: ServiceName): Tuning {
  const servicePrefix = SERVICE_ENV_PREFIX[service];
  const entries = FIELD_NAMES.map((field) => [
    field,
    parsed[servicePrefix + field] ??
      parsed[`UPSTREAM_${field}`] ??
      SERVICE_DEFAULTS[service][field] ??
      TUNING_DEFAULTS[field],
  ]);
  return Object.fromEntries(entries) as Tuning;
}
