import type { BreakerConfig } from '@app/config';
import { CircuitState } from 'cockatiel';
import { AdaptiveBreaker } from './adaptive-breaker.js';

const config: BreakerConfig = {
  consecutiveFailures: 5,
  failureRate: 0.5,
  windowMs: 10_000,
  minimumRps: 1000,
  cooldownMs: 1000,
  suspectConsecutiveFailures: 2,
  suspectForMs: 30_000,
};

describe(AdaptiveBreaker.name, () => {
  const failures = (breaker: AdaptiveBreaker, count: number): boolean[] =>
    Array.from({ length: count }, () => breaker.failure(CircuitState.Closed));

  it('opens on the configured run of consecutive failures', () => {
    expect(failures(new AdaptiveBreaker(config, () => false), 5)).toEqual([false, false, false, false, true]);
  });

  it('a success starts the run again', () => {
    const breaker = new AdaptiveBreaker(config, () => false);
    failures(breaker, 4);
    breaker.success(CircuitState.Closed);
    expect(failures(breaker, 4)).toEqual([false, false, false, false]);
  });

  it('opens after a shorter run while another gateway reports the service failing', () => {
    expect(failures(new AdaptiveBreaker(config, () => true), 2)).toEqual([false, true]);
  });

  it('never opens on the rate when the rate is set to 1', () => {
    const breaker = new AdaptiveBreaker(
      { ...config, consecutiveFailures: 1000, failureRate: 1, minimumRps: 0 },
      () => false,
    );
    expect(failures(breaker, 100).some(Boolean)).toBe(false);
  });

  it('opens on the failure rate once the window has enough traffic', () => {
    const breaker = new AdaptiveBreaker({ ...config, consecutiveFailures: 1000, minimumRps: 1 }, () => false);
    let opened = false;
    for (let call = 0; call < 40 && !opened; call += 1) {
      breaker.success(CircuitState.Closed);
      opened = breaker.failure(CircuitState.Closed) || breaker.failure(CircuitState.Closed);
    }
    expect(opened).toBe(true);
  });
});
