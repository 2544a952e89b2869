import { RetryBudget } from './retry-budget.js';

describe(RetryBudget.name, () => {
  let now = 0;
  const clock = (): number => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows retries up to the configured share of calls in the window', () => {
    const budget = new RetryBudget({ ratio: 0.2, windowMs: 10_000, minRetries: 0 }, clock);
    for (let call = 0; call < 100; call += 1) {
      budget.recordCall();
    }
    let granted = 0;
    while (budget.tryRetry()) {
      granted += 1;
    }
    expect(granted).toBe(20);
  });

  it('lets a quiet service retry a lone failure thanks to the minimum allowance', () => {
    const budget = new RetryBudget({ ratio: 0.2, windowMs: 10_000, minRetries: 3 }, clock);
    budget.recordCall();
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('gives the budget back as old calls and retries leave the window', () => {
    const budget = new RetryBudget({ ratio: 0.5, windowMs: 10_000, minRetries: 0 }, clock);
    budget.recordCall();
    budget.recordCall();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    now += 10_001;
    expect(budget.tryRetry()).toBe(false);
    budget.recordCall();
    budget.recordCall();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.retriesInWindow()).toBe(1);
  });
});
