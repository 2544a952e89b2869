import type { ServiceConfig } from '@app/config';
import type { BreakerState, Metrics } from '@app/observability';
import { Logger } from '@nestjs/common';
import {
  BrokenCircuitError,
  CircuitState,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
  type FailureReason,
  type IBackoff,
  type IBackoffFactory,
  type IHalfOpenAfterBackoffContext,
} from 'cockatiel';
import { AdaptiveBreaker } from './adaptive-breaker.js';
import type { OutageSignal } from './outage-signal.js';
import type { ServicePause } from './service-pause.js';
import {
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type FailureTraits,
} from './upstream.error.js';
import type { UpstreamWrapper } from './upstream-call.js';

/*
 * cockatiel rather than opossum: it is written in TypeScript, offers both a
 * consecutive-failure and a sampling breaker behind one interface we can
 * combine (AdaptiveBreaker), lets a predicate decide what is a failure, and
 * takes an AbortSignal through every policy.
 */

const STATE_NAMES: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

export function circuitStateName(state: CircuitState): string {
  return STATE_NAMES[state];
}

/** The state `circuit_breaker_state` shows; an isolated breaker fails every call fast, as an open one does. */
const GAUGE_STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

export function breakerGaugeState(state: CircuitState): BreakerState {
  return GAUGE_STATES[state];
}

/** When each breaker's cool-down ends (set as it opens): what its state is reported as, and what a refused call waits. */
const cooldownEnds = new WeakMap<CircuitBreakerPolicy, number>();

/**
 * The breaker's state as operators should see it: cockatiel leaves an open
 * breaker open past its cool-down until a call arrives to probe, so a
 * replica with no traffic for the service showed it open, its health
 * degraded, long after the service was back. Past the cool-down it is
 * half-open: the next call goes through.
 */
export function reportedBreakerState(policy: CircuitBreakerPolicy): CircuitState {
  const state = policy.state;
  return state === CircuitState.Open && Date.now() >= (cooldownEnds.get(policy) ?? Number.POSITIVE_INFINITY)
    ? CircuitState.HalfOpen
    : state;
}

/**
 * A call that ended without the service saying anything: cut short by the
 * gateway (its client left, a sibling section failed first) or never sent
 * (no time left, the bulkhead full). As a probe, it decides nothing.
 */
function decidedNothing(reason: FailureReason<unknown>): boolean {
  return (
    'error' in reason &&
    reason.error instanceof UpstreamError &&
    !reason.error.breakerFailure &&
    reason.error.upstreamStatus === undefined
  );
}

/**
 * The cool-down after the breaker opens: none after a probe that decided
 * nothing, so that the next call probes in its place. cockatiel closes the
 * breaker on a probe its filter does not count as a failure ("Task failed
 * successfully"), so a cancelled probe let the next burst all wait on a
 * dead service; counted as a failure, it would have kept the service away
 * for a whole cool-down on no evidence.
 */
function probeCooldown(cooldownMs: number): IBackoffFactory<IHalfOpenAfterBackoffContext> {
  const full: IBackoff<IHalfOpenAfterBackoffContext> = {
    duration: cooldownMs,
    next: (context) => after(context),
  };
  const none: IBackoff<IHalfOpenAfterBackoffContext> = { duration: 0, next: (context) => after(context) };
  const after = (context: IHalfOpenAfterBackoffContext): IBackoff<IHalfOpenAfterBackoffContext> =>
    decidedNothing(context.result) ? none : full;
  return { next: after };
}

/** The service's breaker: opens on an outage, tells the other gateway instances, logs and reports every change. */
export function serviceBreaker(
  config: ServiceConfig,
  signal: OutageSignal,
  metrics: Metrics,
): CircuitBreakerPolicy {
  const logger = new Logger(`Breaker:${config.name}`);
  // A probe that decided nothing reopens the breaker with no cool-down (see probeCooldown): the service is no worse.
  let probeUndecided = false;
  const policy: CircuitBreakerPolicy = circuitBreaker(
    handleWhen(
      (error) =>
        error instanceof UpstreamError &&
        (error.breakerFailure || (policy.state === CircuitState.HalfOpen && decidedNothing({ error }))),
    ),
    {
      halfOpenAfter: probeCooldown(config.breaker.cooldownMs),
      breaker: new AdaptiveBreaker(config.breaker, () => signal.isSuspect(config.name)),
    },
  );
  metrics.setBreakerState(config.name, breakerGaugeState(policy.state));
  policy.onBreak((reason) => {
    probeUndecided = 'error' in reason && decidedNothing(reason);
    const cooldownMs = probeUndecided ? 0 : config.breaker.cooldownMs;
    const endsAt = Date.now() + cooldownMs;
    cooldownEnds.set(policy, endsAt);
    setTimeout(() => {
      if (policy.state === CircuitState.Open && cooldownEnds.get(policy) === endsAt) {
        metrics.setBreakerState(config.name, 'half-open');
      }
    }, cooldownMs).unref();
  });
  policy.onStateChange((state) => {
    if (state === CircuitState.Open && probeUndecided) {
      metrics.setBreakerState(config.name, 'half-open');
      logger.log(
        `${config.name} service breaker half-open again: its probe ended before the service answered; the next call probes`,
      );
      return;
    }
    metrics.setBreakerState(config.name, breakerGaugeState(state));
    const message = `${config.name} service breaker ${circuitStateName(state)}`;
    if (state === CircuitState.Open) {
      logger.warn(`${message}: calls fail fast for ${config.breaker.cooldownMs} ms`);
      signal.announceOpen(config.name);
    } else {
      logger.log(message);
    }
  });
  return policy;
}

/**
 * Whole seconds until the breaker's cool-down ends, at least one: what a
 * client refused meanwhile is told to wait. cockatiel says when a breaker
 * opens, not when it will let a probe through, so the end is kept here.
 */
function cooldownLeft(policy: CircuitBreakerPolicy): () => number {
  return () => Math.max(1, Math.ceil(((cooldownEnds.get(policy) ?? 0) - Date.now()) / 1000));
}

/**
 * `failure`, which opened the breaker, as the same kind of failure (a 502,
 * 503 or 504 to the client) with the `Retry-After` of the cool-down it
 * started.
 */
function breakerOpenedBy(failure: UpstreamError, retryAfterSeconds: number): UpstreamError {
  const traits: FailureTraits = {
    status: failure.upstreamStatus,
    connection: failure.connectionFailed,
    unsent: failure.unsent,
    cancelled: failure.cancelled,
    retryAfterSeconds,
    cause: failure,
  };
  const opened =
    failure instanceof UpstreamTimeoutError
      ? new UpstreamTimeoutError(failure.service, traits)
      : failure instanceof UpstreamBadResponseError
        ? new UpstreamBadResponseError(failure.service, traits)
        : new UpstreamUnavailableError(failure.service, traits);
  opened.instance = failure.instance;
  opened.earlierAttemptSent = failure.earlierAttemptSent;
  return opened;
}

/** Why a call made while the breaker's probe decides failed, for the log line of the request it fails. */
const PROBING = new Error('the breaker is letting one probe through');

/** Why a call made during a pause failed, for the log line of the request it fails. */
const PAUSED = new Error('the service asked for a pause (429 with Retry-After)');

/**
 * While the breaker is open, calls fail at once without opening a socket,
 * with a `Retry-After` of the cool-down's remaining seconds (one while a
 * probe decides), and after the cool-down one probe at a time decides
 * whether it closes. So do calls while the service's pause runs (see
 * {@link ServicePause}): they never reach the breaker, which neither counts
 * them nor lets them decide a probe.
 */
export function withBreaker(
  config: ServiceConfig,
  policy: CircuitBreakerPolicy,
  pause: ServicePause,
  metrics: Metrics,
): UpstreamWrapper {
  const retryAfterSeconds = cooldownLeft(policy);
  const logger = new Logger(`Breaker:${config.name}`);
  return (next) => async (request) => {
    const pausedMs = pause.msLeft();
    if (pausedMs > 0) {
      metrics.countRefusedCall(config.name, 'paused');
      throw new UpstreamUnavailableError(config.name, {
        failedFast: true,
        retryAfterSeconds: Math.ceil(pausedMs / 1000),
        cause: PAUSED,
      });
    }
    if (policy.state === CircuitState.HalfOpen) {
      // cockatiel holds such calls until the probe settles, then runs them: up to a whole timeout spent waiting.
      metrics.countRefusedCall(config.name, 'breaker_open');
      throw new UpstreamUnavailableError(config.name, {
        failedFast: true,
        retryAfterSeconds: retryAfterSeconds(),
        cause: PROBING,
      });
    }
    try {
      return await policy.execute(() => next(request));
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        metrics.countRefusedCall(config.name, 'breaker_open');
        throw new UpstreamUnavailableError(config.name, {
          failedFast: true,
          retryAfterSeconds: retryAfterSeconds(),
          cause: error,
        });
      }
      if (
        error instanceof UpstreamError &&
        error.breakerFailure &&
        error.retryAfterSeconds === undefined &&
        policy.state === CircuitState.Open
      ) {
        // This failure opened the breaker (or a failed probe reopened it): its client is told what those refused after it are.
        throw breakerOpenedBy(error, retryAfterSeconds());
      }
      const servicePause =
        error instanceof UpstreamError && request.forOneCaller !== true
          ? error.pauseAskedWith(429)
          : undefined;
      if (servicePause !== undefined) {
        const wasPaused = pause.msLeft() > 0;
        const ms = pause.pause(servicePause);
        if (!wasPaused) {
          logger.warn(`${config.name} service asked for a pause (429): calls fail fast for ${ms} ms`);
        }
      }
      throw error;
    }
  };
}
