import type { RateCounter } from './rate-counter.js';

export interface ThrottlerOutcome {
  name: string;
  limit: number;
  windowMs: number;
  counter: RateCounter;
}

const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));

/**
 * How long `outcome` holds back a request of `cost` units: its block, or,
 * with less than `cost` left, its reset; 0 for a window that lets it through.
 */
function holdsBackMs(outcome: ThrottlerOutcome, cost: number): number {
  if (outcome.counter.blocked) {
    return outcome.counter.blockedForMs;
  }
  return outcome.limit - outcome.counter.hits < cost ? outcome.counter.resetInMs : 0;
}

/**
 * The IETF RateLimit header fields for the windows a request went through:
 * Limit, Remaining and Reset of the one closest to running out, and every
 * window in the Policy, so a client can pace itself before it gets a 429.
 * For a request refused at `refusedCost` units, the window that holds it
 * back longest, the one Retry-After names: a client that waits for its
 * Reset is not refused again.
 */
export function rateLimitHeaders(
  outcomes: readonly ThrottlerOutcome[],
  refusedCost?: number,
): Record<string, string> {
  if (outcomes.length === 0) {
    return {};
  }
  const remaining = (outcome: ThrottlerOutcome): number => Math.max(0, outcome.limit - outcome.counter.hits);
  let tightest: ThrottlerOutcome;
  let resetMs: number;
  if (refusedCost !== undefined) {
    tightest = outcomes.reduce((longest, outcome) =>
      holdsBackMs(outcome, refusedCost) > holdsBackMs(longest, refusedCost) ? outcome : longest,
    );
    resetMs = holdsBackMs(tightest, refusedCost);
  } else {
    tightest = outcomes.reduce((best, outcome) =>
      remaining(outcome) < remaining(best) ||
      // Of two windows as close to running out, the one that frees up last: a client waiting for its Reset is not refused.
      (remaining(outcome) === remaining(best) && outcome.counter.resetInMs > best.counter.resetInMs)
        ? outcome
        : best,
    );
    resetMs = tightest.counter.blocked ? tightest.counter.blockedForMs : tightest.counter.resetInMs;
  }
  return {
    'ratelimit-limit': String(tightest.limit),
    'ratelimit-remaining': String(remaining(tightest)),
    'ratelimit-reset': String(seconds(resetMs)),
    'ratelimit-policy': outcomes
      .map((outcome) => `${outcome.limit};w=${seconds(outcome.windowMs)}`)
      .join(', '),
  };
}

/** Seconds until a request of `cost` units gets through every window: a client that waits this long is not refused again. */
export function retryAfterSeconds(outcomes: readonly ThrottlerOutcome[], cost: number): number {
  return Math.max(1, ...outcomes.map((outcome) => seconds(holdsBackMs(outcome, cost))));
}
