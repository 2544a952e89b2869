import type { RateCounter } from './rate-counter.js';

export interface ThrottlerOutcome {
  name: string;
  limit: number;
  windowMs: number;
  counter: RateCounter;
}

const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));

/**
 * The IETF RateLimit header fields for the windows a request went through:
 * Limit, Remaining and Reset of the one closest to running out, and every
 * window in the Policy, so a client can pace itself before it gets a 429.
 */
export function rateLimitHeaders(outcomes: readonly ThrottlerOutcome[]): Record<string, string> {
  if (outcomes.length === 0) {
    return {};
  }
  const remaining = (outcome: ThrottlerOutcome): number => Math.max(0, outcome.limit - outcome.counter.hits);
  const blocked = outcomes.filter((outcome) => outcome.counter.blocked);
  // A refused caller is described by the window that holds it back longest, the one Retry-After names.
  const tightest =
    blocked.length > 0
      ? blocked.reduce((longest, outcome) =>
          outcome.counter.blockedForMs > longest.counter.blockedForMs ? outcome : longest,
        )
      : outcomes.reduce((best, outcome) =>
          remaining(outcome) < remaining(best) ||
          // Of two windows as close to running out, the one that frees up last: a client waiting for its Reset is not refused.
          (remaining(outcome) === remaining(best) && outcome.counter.resetInMs > best.counter.resetInMs)
            ? outcome
            : best,
        );
  return {
    'ratelimit-limit': String(tightest.limit),
    'ratelimit-remaining': String(remaining(tightest)),
    'ratelimit-reset': String(
      seconds(tightest.counter.blocked ? tightest.counter.blockedForMs : tightest.counter.resetInMs),
    ),
    'ratelimit-policy': outcomes
      .map((outcome) => `${outcome.limit};w=${seconds(outcome.windowMs)}`)
      .join(', '),
  };
}

/**
 * Seconds until a request of `cost` units gets through every window: each
 * blocking window's block, and each other window with less than `cost`
 * left, its reset; a client that waits this long is not refused again.
 */
export function retryAfterSeconds(outcomes: readonly ThrottlerOutcome[], cost: number): number {
  return Math.max(
    1,
    ...outcomes.map((outcome) => {
      if (outcome.counter.blocked) {
        return seconds(outcome.counter.blockedForMs);
      }
      return outcome.limit - outcome.counter.hits < cost ? seconds(outcome.counter.resetInMs) : 0;
    }),
  );
}
