/**
 * The latest successful call durations, for the hedge delay: a second
 * attempt is worth sending only once the first is slower than almost every
 * recent call. A fixed ring of samples keeps memory flat and the percentile
 * cheap; a histogram library would be more than this one number needs.
 */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;

  constructor(size = 256) {
    this.samples = new Float64Array(size);
  }

  record(durationMs: number): void {
    this.samples[this.next] = durationMs;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
  }

  /** The p-th percentile of the recorded durations, or undefined before there are enough of them to mean anything. */
  percentile(p: number, minimumSamples = 20): number | undefined {
    if (this.count < minimumSamples) {
      return undefined;
    }
    const sorted = Array.from(this.samples.subarray(0, this.count)).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  }
}
