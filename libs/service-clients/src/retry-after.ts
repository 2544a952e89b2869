/** Past this, an upstream's pause is passed on as this: a client is not sent away for longer than a day. */
const MAX_SECONDS = 86_400;

/**
 * Whole seconds an upstream's `Retry-After` asks to wait (RFC 9110 10.2.3:
 * delay-seconds or an HTTP date), or nothing for a value that is neither.
 * Hand-written: two forms, a few lines; undici's RetryHandler reads the
 * header only inside its own retries and exports no parser.
 */
export function retryAfterSeconds(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    return Math.min(Number(text), MAX_SECONDS);
  }
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/^[A-Za-z]{3}, /.test(text)) {
    return undefined;
  }
  return Math.min(Math.max(0, Math.ceil((at - nowMs) / 1000)), MAX_SECONDS);
}
