import { FailedAttempts } from './failed-attempts.js';

describe('FailedAttempts', () => {
  it('holds an address back once it has failed as often as the limit, until its window ends', () => {
    let now = 1_000_000;
    const attempts = new FailedAttempts({ limit: 3, windowMs: 60_000 }, () => now);
    attempts.record('192.0.2.1');
    attempts.record('192.0.2.1');
    expect(attempts.heldBackForMs('192.0.2.1')).toBe(0);

    now += 10_000;
    attempts.record('192.0.2.1');
    // The window began with the first failure: later ones do not stretch it.
    expect(attempts.heldBackForMs('192.0.2.1')).toBe(50_000);
    expect(attempts.heldBackForMs('192.0.2.2')).toBe(0);

    now += 50_000;
    expect(attempts.heldBackForMs('192.0.2.1')).toBe(0);
  });

  it('counts one client however its address is written, and an IPv6 client by its /64', () => {
    const attempts = new FailedAttempts({ limit: 3, windowMs: 60_000 });
    attempts.record('192.0.2.1');
    attempts.record('::ffff:192.0.2.1');
    attempts.record('192.000.2.1');
    expect(attempts.heldBackForMs('192.0.2.1')).toBeGreaterThan(0);

    // From a proxy that writes the client's port beside its address, each request from a new port.
    attempts.record('198.51.100.7:40001');
    attempts.record('198.51.100.7:40002');
    attempts.record('[2001:db8:1::1]:40003');
    attempts.record('198.51.100.7:40004');
    expect(attempts.heldBackForMs('198.51.100.7')).toBeGreaterThan(0);

    attempts.record('2001:db8::1');
    attempts.record('2001:db8::5');
    attempts.record('2001:db8:0:0:ffff::9');
    expect(attempts.heldBackForMs('2001:db8::77')).toBeGreaterThan(0);
    expect(attempts.heldBackForMs('2001:db8:0:1::1')).toBe(0);
  });

  it('holds nobody back with a limit of 0', () => {
    const attempts = new FailedAttempts({ limit: 0, windowMs: 60_000 });
    for (let attempt = 0; attempt < 10; attempt += 1) {
      attempts.record('192.0.2.1');
    }
    expect(attempts.heldBackForMs('192.0.2.1')).toBe(0);
  });

  it('answers a 429 problem with Retry-After and the limit it went over', () => {
    const problem = new FailedAttempts({ limit: 100, windowMs: 60_000 }).problem(12_400);
    expect(problem.status).toBe(429);
    expect(problem.headers).toEqual({
      'retry-after': '13',
      'ratelimit-limit': '100',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '13',
      'ratelimit-policy': '100;w=60',
    });
  });
});
