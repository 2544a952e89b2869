import { describe, expect, it } from 'vitest';
import { retryAfterSeconds } from './retry-after.js';

describe('retryAfterSeconds', () => {
  const now = Date.parse('Mon, 07 Dec 2026 04:00:00 GMT');

  it('reads a delay in seconds', () => {
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date as the seconds left until it, never fewer than none', () => {
    expect(retryAfterSeconds('Mon, 07 Dec 2026 04:00:30 GMT', now)).toBe(30);
    expect(retryAfterSeconds('Mon, 07 Dec 2026 03:59:00 GMT', now)).toBe(0);
  });

  it('passes on at most a day, whatever the upstream asks', () => {
    expect(retryAfterSeconds('9999999', now)).toBe(86_400);
    expect(retryAfterSeconds('Fri, 07 Dec 2029 04:00:00 GMT', now)).toBe(86_400);
  });

  it('ignores what is neither form: a negative or fractional delay, a bare date, garbage', () => {
    for (const value of ['-5', '1.5', '2026-12-07T04:00:30Z', 'soon', '', undefined]) {
      expect(retryAfterSeconds(value, now)).toBeUndefined();
    }
  });
});
