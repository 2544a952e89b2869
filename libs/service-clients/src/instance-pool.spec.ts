import type { EjectionConfig } from '@app/config';
import { InstancePool } from './instance-pool.js';
import type { Endpoint } from './upstream-instance.js';

const ejection: EjectionConfig = { consecutiveFailures: 3, baseMs: 1000, maxMs: 8000 };
const endpoint = (id: string, weight = 1): Endpoint => ({ id, url: id, hostHeader: undefined, weight });

describe(InstancePool.name, () => {
  let now = 0;
  const clock = (): number => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  const picks = (pool: InstancePool, count: number, avoid?: ReadonlySet<string>): string[] =>
    Array.from({ length: count }, () => pool.pick(avoid).id);

  it('takes instances in turn', () => {
    const pool = new InstancePool('order', [endpoint('a'), endpoint('b'), endpoint('c')], ejection, clock);
    expect(picks(pool, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('spreads calls by weight, interleaved rather than in bursts', () => {
    const pool = new InstancePool('order', [endpoint('a', 5), endpoint('b'), endpoint('c')], ejection, clock);
    expect(picks(pool, 7)).toEqual(['a', 'a', 'b', 'a', 'c', 'a', 'a']);
  });

  it('sends a retry to an instance not tried yet', () => {
    const pool = new InstancePool('order', [endpoint('a'), endpoint('b')], ejection, clock);
    expect(picks(pool, 3, new Set(['a']))).toEqual(['b', 'b', 'b']);
  });

  it('ejects an instance after consecutive failures, for a growing interval', () => {
    const pool = new InstancePool('order', [endpoint('a'), endpoint('b')], ejection, clock);
    const [a] = pool.all();
    for (let failure = 0; failure < 3; failure += 1) {
      pool.recordFailure(a);
    }
    expect(a.isEjected()).toBe(true);
    expect(picks(pool, 4)).toEqual(['b', 'b', 'b', 'b']);

    now += 1001;
    expect(a.isEjected()).toBe(false);
    for (let failure = 0; failure < 3; failure += 1) {
      pool.recordFailure(a);
    }
    expect(a.ejectedUntil - now).toBe(2000);
  });

  it('takes an instance that asked for a pause out of the rotation for that long, at most the longest ejection', () => {
    const pool = new InstancePool('order', [endpoint('a'), endpoint('b')], ejection, clock);
    const [a, b] = pool.all();

    expect(pool.setAside(a, 5)).toBe(true);
    expect(picks(pool, 3)).toEqual(['b', 'b', 'b']);
    now += 5001;
    expect(a.isEjected()).toBe(false);

    expect(pool.setAside(b, 3600)).toBe(true);
    expect(b.ejectedUntil - now).toBe(ejection.maxMs);
    // Asking is not failing: a later ejection of the instance does not start longer for it.
    expect(b.ejections).toBe(0);
  });

  it('keeps the last instance in rotation even when it asks for a pause, and says the call cannot go elsewhere', () => {
    const pool = new InstancePool('order', [endpoint('a'), endpoint('b')], ejection, clock);
    const [a, b] = pool.all();
    pool.setAside(a, 5);

    expect(pool.setAside(b, 5)).toBe(false);
    expect(b.isEjected()).toBe(false);
  });

  it('never ejects the last instance in rotation', () => {
    const pool = new InstancePool('order', [endpoint('a'), endpoint('b')], ejection, clock);
    const [a, b] = pool.all();
    for (let failure = 0; failure < 3; failure += 1) {
      pool.recordFailure(a);
      pool.recordFailure(b);
    }
    expect([a.isEjected(), b.isEjected()]).toEqual([true, false]);
  });

  it('a success resets the run of failures', () => {
    const pool = new InstancePool('order', [endpoint('a'), endpoint('b')], ejection, clock);
    const [a] = pool.all();
    pool.recordFailure(a);
    pool.recordFailure(a);
    pool.recordSuccess(a);
    pool.recordFailure(a);
    pool.recordFailure(a);
    expect(a.isEjected()).toBe(false);
  });

  it('keeps what it learnt of instances that survive a new set of endpoints', () => {
    const pool = new InstancePool('order', [endpoint('a'), endpoint('b')], ejection, clock);
    const [a] = pool.all();
    for (let failure = 0; failure < 3; failure += 1) {
      pool.recordFailure(a);
    }
    pool.replaceEndpoints([endpoint('a'), endpoint('c')]);
    expect(pool.all().map((instance) => instance.id)).toEqual(['a', 'c']);
    expect(pool.all()[0]).toBe(a);
    expect(a.isEjected()).toBe(true);
  });
});
