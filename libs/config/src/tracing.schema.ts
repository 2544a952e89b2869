import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { z } from 'zod';
import { decimalNumber } from './decimal-number.js';
import { lowerCased } from './lower-cased.js';
import type { TracesSampler, TracingConfig } from './app-config.js';

/*
 * The standard OpenTelemetry variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/),
 * as far as the gateway uses them. They are parsed here like every other
 * variable rather than left to the SDK to read from process.env, so a bad
 * value stops the process with the rest, and the SDK is handed plain values.
 */

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const satisfies readonly TracesSampler[];

/** The OTLP/HTTP path of traces under a base endpoint, as the exporter spec appends it. */
const TRACES_PATH = 'v1/traces';

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const blankIsUnset = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const endpoint = blankIsUnset.refine((value) => value === undefined || isHttpUrl(value), {
  error: 'must be an http(s) URL',
});

/** The base endpoint, which `v1/traces` is appended to: a query or fragment would end up before that path, and the spans nowhere. */
const baseEndpoint = endpoint.refine(
  (value) =>
    value === undefined || !isHttpUrl(value) || (new URL(value).search === '' && new URL(value).hash === ''),
  {
    error:
      'must be an http(s) URL without query or fragment (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT takes a whole URL)',
  },
);

/** RFC 9110 field names, and values without control characters: any other is refused by every export, spans lost. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A header value's characters as RFC 9110 §5.5 allows them: tab, visible ASCII and obs-text, never a control character. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\uffff]*$/;

const entriesOf = (value: string): string[] =>
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);

/**
 * `key1=value1,key2=value2` with URL-encoded values, read by the same parser
 * the SDK uses for this variable; an entry it would drop silently is an error here.
 */
const otlpHeaders = z
  .string()
  .default('')
  .refine((value) => entriesOf(value).length === Object.keys(parseKeyPairsIntoRecord(value)).length, {
    error: 'must be comma-separated key=value pairs with URL-encoded values',
  })
  .refine(
    (value) =>
      Object.entries(parseKeyPairsIntoRecord(value)).every(
        ([name, field]) => HEADER_NAME.test(name) && FIELD_VALUE.test(field),
      ),
    { error: 'must name HTTP header fields, with values free of control characters' },
  )
  .transform((value) => parseKeyPairsIntoRecord(value));

const milliseconds = (fallback: number, min: number, max: number) =>
  z.preprocess(
    decimalNumber,
    z
      .number({ error: 'must be a whole number of milliseconds' })
      // The range first, and alone: zod's int() also refuses a number past 2^53, which would add a wrong second line.
      .min(min, { error: `must be at least ${min} milliseconds`, abort: true })
      .max(max, { error: `must be at most ${max} milliseconds`, abort: true })
      .int({ error: 'must be a whole number of milliseconds' })
      .default(fallback),
  );

export const tracingEnvSchema = z.object({
  /*
   * Read case-insensitively, as the OpenTelemetry specification reads its
   * booleans, and with the yes/no words of every other such variable here
   * (README): `OTEL_SDK_DISABLED=1` asking to keep tracing off was refused.
   */
  OTEL_SDK_DISABLED: z.preprocess(
    lowerCased,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''], { error: 'must be true or false' })
      .default('false')
      .transform((value) => ['true', '1', 'yes', 'on'].includes(value)),
  ),
  // Only OTLP is built in; `none` turns tracing off even with an endpoint set.
  // Enum values case-insensitively, as the OpenTelemetry specification asks.
  OTEL_TRACES_EXPORTER: z.preprocess(
    lowerCased,
    z.enum(['otlp', 'none'], { error: 'must be otlp or none' }).default('otlp'),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: baseEndpoint,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeaders,
  // Bounds one export, retries included: a collector that never answers holds a batch this long, never a request.
  OTEL_EXPORTER_OTLP_TIMEOUT: milliseconds(10_000, 1, 600_000),
  OTEL_SERVICE_NAME: blankIsUnset.refine((value) => value === undefined || value.length <= 256, {
    error: 'must be at most 256 characters',
  }),
  OTEL_TRACES_SAMPLER: z.preprocess(
    lowerCased,
    z.enum(SAMPLERS, { error: `must be one of ${SAMPLERS.join(', ')}` }).default('parentbased_always_on'),
  ),
  OTEL_TRACES_SAMPLER_ARG: z.preprocess(
    decimalNumber,
    z
      .number({ error: 'must be a number from 0 to 1' })
      .min(0, { error: 'must be a number from 0 to 1' })
      .max(1, { error: 'must be a number from 0 to 1' })
      .default(1),
  ),
  OTEL_BSP_SCHEDULE_DELAY: milliseconds(5_000, 0, 600_000),
});

export type TracingEnv = z.output<typeof tracingEnvSchema>;

/** The traces URL: the signal's own endpoint as given, or `v1/traces` under the base endpoint. */
export function tracesUrl(
  env: Pick<TracingEnv, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>,
): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined) {
    return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  }
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base === undefined ? undefined : `${base.endsWith('/') ? base : `${base}/`}${TRACES_PATH}`;
}

/**
 * Tracing is on only when a collector is named, and neither the SDK nor the
 * traces exporter is switched off: unset, nothing is built and nothing is sent.
 */
export function tracingConfig(env: TracingEnv): TracingConfig | undefined {
  const url = tracesUrl(env);
  if (url === undefined || env.OTEL_SDK_DISABLED || env.OTEL_TRACES_EXPORTER === 'none') {
    return undefined;
  }
  return {
    url,
    headers: env.OTEL_EXPORTER_OTLP_HEADERS,
    exportTimeoutMs: env.OTEL_EXPORTER_OTLP_TIMEOUT,
    serviceName: env.OTEL_SERVICE_NAME,
    sampler: env.OTEL_TRACES_SAMPLER,
    samplerRatio: env.OTEL_TRACES_SAMPLER_ARG,
    batchDelayMs: env.OTEL_BSP_SCHEDULE_DELAY,
  };
}
