import type { ServiceName } from '@app/config';
import { ProblemError, type ProblemKind } from '@app/problem';

/*
 * Typed upstream failures. Each is a ProblemError, so a required aggregate
 * section that fails answers with the right status untouched; the detail
 * names the service but never its host, and the cause is only logged.
 * Each also says what the resilience wrappers need to know: may the call be
 * retried, does it count against the breaker, was any call made at all.
 */

const SERVICE_LABEL: Record<ServiceName, string> = {
  user: 'user service',
  order: 'order service',
  preference: 'preference service',
};

/** Statuses that say "this instance, now" rather than "this request": worth a retry elsewhere. */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

export interface FailureTraits {
  /** The upstream's HTTP status, when it answered. */
  status?: number;
  /** The call never produced an answer because the connection failed (refused, reset, unreachable). */
  connection?: boolean;
  /** Nothing of the request left the gateway: the instance refused the connection. */
  unsent?: boolean;
  /** No call was made: an open breaker, a full bulkhead, or too little time left. */
  failedFast?: boolean;
  /** The call was abandoned for the caller's sake (client gone, a required sibling failed): no verdict on the upstream. */
  cancelled?: boolean;
  /** When a client may try again with a chance of success, sent as `Retry-After` (RFC 9110) with the problem. */
  retryAfterSeconds?: number;
  /** The answer was larger than the gateway buffers: a verdict on what was asked for, not on the service. */
  tooLarge?: boolean;
  cause?: unknown;
}

export abstract class UpstreamError extends ProblemError {
  readonly upstreamStatus: number | undefined;
  readonly connectionFailed: boolean;
  /** Nothing of the request reached the upstream (a refused connection): another instance may take it, whatever its method. */
  readonly unsent: boolean;
  readonly cancelled: boolean;
  readonly tooLarge: boolean;
  /** How long the client is told to wait, when it is told (an upstream's or the gateway's own `Retry-After`). */
  readonly retryAfterSeconds: number | undefined;
  /** The instance the failed attempt went to, when one was picked. */
  instance: string | undefined;
  /** An attempt before this failure's reached the service: a write it carried may have been applied, whatever this one says. */
  earlierAttemptSent = false;

  protected constructor(
    kind: ProblemKind,
    readonly service: ServiceName,
    detail: string,
    traits: FailureTraits,
  ) {
    super(kind, detail, {
      cause: traits.cause,
      failedFast: traits.failedFast,
      headers:
        traits.retryAfterSeconds === undefined
          ? undefined
          : { 'retry-after': String(traits.retryAfterSeconds) },
    });
    this.upstreamStatus = traits.status;
    this.retryAfterSeconds = traits.retryAfterSeconds;
    this.connectionFailed = traits.connection ?? false;
    this.unsent = traits.unsent ?? false;
    this.cancelled = traits.cancelled ?? false;
    this.tooLarge = traits.tooLarge ?? false;
  }

  /**
   * Connection failures and 502/503/504 only: anything else would fail the
   * same way again. Not an upstream that asked for a pause (a `Retry-After`
   * above zero): calling it again within the same request is what it asked
   * the gateway not to do.
   */
  get retryable(): boolean {
    return (
      !this.failedFast &&
      !this.cancelled &&
      (this.retryAfterSeconds ?? 0) === 0 &&
      (this.connectionFailed ||
        (this.upstreamStatus !== undefined && RETRYABLE_STATUSES.has(this.upstreamStatus)))
    );
  }

  /**
   * The seconds an upstream answering `status` asked the gateway to leave
   * it alone (`Retry-After` above zero), or nothing: a 503's pause is its
   * instance's (a draining one), a 429's the whole service's.
   */
  pauseAskedWith(status: 429 | 503): number | undefined {
    return this.upstreamStatus === status && (this.retryAfterSeconds ?? 0) > 0
      ? this.retryAfterSeconds
      : undefined;
  }

  /** Whether this says the upstream is unhealthy: timeouts, 5xx, broken connections and bodies do; 4xx and skipped calls do not. */
  abstract get breakerFailure(): boolean;
}

export class UpstreamNotFoundError extends UpstreamError {
  constructor(service: ServiceName, what: string) {
    super('not-found', service, `${what} does not exist.`, { status: 404 });
    this.name = 'UpstreamNotFoundError';
  }

  get breakerFailure(): boolean {
    return false;
  }
}

export class UpstreamTimeoutError extends UpstreamError {
  constructor(service: ServiceName, traits: FailureTraits = {}) {
    super('gateway-timeout', service, `The ${SERVICE_LABEL[service]} did not answer in time.`, traits);
    this.name = 'UpstreamTimeoutError';
  }

  get breakerFailure(): boolean {
    return !this.failedFast && !this.cancelled;
  }

  /** The call outlived the gateway's own timeout: no answer came, not even an upstream's 504. */
  get waitedOut(): boolean {
    return !this.failedFast && !this.cancelled && this.upstreamStatus === undefined;
  }

  /**
   * A call that outlived its own timeout may also go to another instance,
   * time and budget allowing, as nginx's `proxy_next_upstream timeout`
   * does: otherwise one hung instance failed every call it was picked for
   * until it was ejected, and again each time it came back.
   */
  override get retryable(): boolean {
    return super.retryable || this.waitedOut;
  }
}

export class UpstreamUnavailableError extends UpstreamError {
  constructor(service: ServiceName, traits: FailureTraits = {}) {
    super('service-unavailable', service, `The ${SERVICE_LABEL[service]} is unavailable.`, traits);
    this.name = 'UpstreamUnavailableError';
  }

  get breakerFailure(): boolean {
    if (this.failedFast || this.cancelled) {
      return false;
    }
    return this.connectionFailed || this.upstreamStatus === undefined || this.upstreamStatus >= 500;
  }
}

/**
 * No call was made because the gateway already has as many calls in flight
 * to the service as it allows (the bulkhead): the gateway shedding its own
 * load, which says nothing about the service's health, so a client is told
 * to come back in a moment rather than that the service is down.
 */
export class UpstreamAtCapacityError extends UpstreamError {
  constructor(service: ServiceName, cause?: unknown) {
    super(
      'service-unavailable',
      service,
      `The gateway is at capacity for calls to the ${SERVICE_LABEL[service]}; try again in a moment.`,
      { failedFast: true, retryAfterSeconds: 1, cause },
    );
    this.name = 'UpstreamAtCapacityError';
  }

  get breakerFailure(): boolean {
    return false;
  }
}

export class UpstreamBadResponseError extends UpstreamError {
  constructor(service: ServiceName, traits: FailureTraits = {}) {
    super(
      'bad-gateway',
      service,
      `The ${SERVICE_LABEL[service]} sent an answer the gateway cannot use.`,
      traits,
    );
    this.name = 'UpstreamBadResponseError';
  }

  /**
   * A malformed body or a 5xx is the upstream's fault; a 4xx other than 404
   * is ours. An answer too large to buffer is neither: its size follows
   * from what was asked (a relayed export), and counted, it let one caller
   * open the breaker for everyone.
   */
  get breakerFailure(): boolean {
    return !this.tooLarge && (this.upstreamStatus === undefined || this.upstreamStatus >= 500);
  }
}
