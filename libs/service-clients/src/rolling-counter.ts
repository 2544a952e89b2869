/**
 * Successes and failures over a sliding window of one-second buckets, for
 * the recent error rate an operator sees. Memory stays fixed whatever the traffic.
 */
export class RollingCounter {
  private readonly successes: number[];
  private readonly failures: number[];
  private readonly bucketMs = 1000;
  private currentBucket = 0;

  constructor(
    windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    const buckets = Math.max(1, Math.ceil(windowMs / this.bucketMs));
    this.successes = Array.from({ length: buckets }, () => 0);
    this.failures = Array.from({ length: buckets }, () => 0);
    this.currentBucket = Math.floor(this.now() / this.bucketMs);
  }

  record(success: boolean): void {
    const index = this.rotate();
    if (success) {
      this.successes[index] += 1;
    } else {
      this.failures[index] += 1;
    }
  }

  totals(): { successes: number; failures: number } {
    this.rotate();
    return { successes: sum(this.successes), failures: sum(this.failures) };
  }

  errorRate(): number {
    const { successes, failures } = this.totals();
    return successes + failures === 0 ? 0 : failures / (successes + failures);
  }

  private rotate(): number {
    const bucket = Math.floor(this.now() / this.bucketMs);
    const size = this.successes.length;
    const elapsed = Math.min(bucket - this.currentBucket, size);
    for (let step = 1; step <= elapsed; step += 1) {
      const index = (this.currentBucket + step) % size;
      this.successes[index] = 0;
      this.failures[index] = 0;
    }
    if (elapsed > 0) {
      this.currentBucket = bucket;
    }
    return bucket % size;
  }
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
