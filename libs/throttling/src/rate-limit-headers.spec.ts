import { rateLimitHeaders, retryAfterSeconds, type ThrottlerOutcome } from './rate-limit-headers.js';

const outcome = (
  name: string,
  limit: number,
  windowMs: number,
  hits: number,
  resetInMs: number,
  blockedForMs = 0,
): ThrottlerOutcome => ({
  name,
  limit,
  windowMs,
  counter: { hits, resetInMs, blocked: blockedForMs > 0, blockedForMs },
});

describe(rateLimitHeaders.name, () => {
  it('reports the window closest to running out, and every window in the policy', () => {
    const headers = rateLimitHeaders([
      outcome('burst', 20, 1000, 3, 400),
      outcome('sustained', 600, 60_000, 598, 30_000),
    ]);
    expect(headers).toEqual({
      'ratelimit-limit': '600',
      'ratelimit-remaining': '2',
      'ratelimit-reset': '30',
      'ratelimit-policy': '20;w=1, 600;w=60',
    });
  });

  it('never reports a negative remainder, and counts the reset of a blocked window from its block', () => {
    const headers = rateLimitHeaders([outcome('burst', 20, 1000, 25, 200, 1000)]);
    expect(headers['ratelimit-remaining']).toBe('0');
    expect(headers['ratelimit-reset']).toBe('1');
  });

  it('of two windows with as little left, reports the one that resets last, so waiting for Reset is enough', () => {
    const headers = rateLimitHeaders([
      outcome('burst', 4, 1000, 4, 600),
      outcome('sustained', 7, 60_000, 7, 50_000),
    ]);
    expect(headers['ratelimit-limit']).toBe('7');
    expect(headers['ratelimit-reset']).toBe('50');
  });

  it('describes a refused caller by the window that holds it back longest', () => {
    const headers = rateLimitHeaders(
      [outcome('burst', 3, 1000, 4, 0, 1000), outcome('sustained', 5, 60_000, 6, 0, 59_000)],
      1,
    );
    expect(headers['ratelimit-limit']).toBe('5');
    expect(headers['ratelimit-reset']).toBe('59');
    expect(headers['ratelimit-policy']).toBe('3;w=1, 5;w=60');
  });

  it('describes a refused caller by a window too short of units for the request, though not blocked, when it frees up last', () => {
    const windows = [outcome('burst', 6, 1000, 7, 0, 1000), outcome('sustained', 12, 30_000, 10, 28_000)];
    const headers = rateLimitHeaders(windows, 3);
    expect(headers['ratelimit-limit']).toBe('12');
    expect(headers['ratelimit-remaining']).toBe('2');
    expect(headers['ratelimit-reset']).toBe(String(retryAfterSeconds(windows, 3)));
    expect(headers['ratelimit-reset']).toBe('28');
  });
});

describe(retryAfterSeconds.name, () => {
  it('waits for the longest block, and at least a second', () => {
    expect(
      retryAfterSeconds(
        [outcome('burst', 20, 1000, 21, 0, 800), outcome('sustained', 600, 60_000, 601, 0, 42_100)],
        1,
      ),
    ).toBe(43);
    expect(retryAfterSeconds([outcome('burst', 20, 1000, 21, 0, 10)], 1)).toBe(1);
  });

  it('waits for a window that is not blocked but has less left than the request costs, so the retry gets through', () => {
    expect(
      retryAfterSeconds(
        [outcome('burst', 4, 1000, 5, 0, 800), outcome('sustained', 7, 60_000, 7, 50_100)],
        1,
      ),
    ).toBe(51);
    // Two units left, a request of three: refused until that window resets too.
    expect(
      retryAfterSeconds(
        [outcome('burst', 20, 1000, 21, 0, 900), outcome('sustained', 10, 60_000, 8, 9_500)],
        3,
      ),
    ).toBe(10);
    expect(
      retryAfterSeconds(
        [outcome('burst', 20, 1000, 21, 0, 900), outcome('sustained', 10, 60_000, 7, 9_500)],
        3,
      ),
    ).toBe(1);
  });
});
