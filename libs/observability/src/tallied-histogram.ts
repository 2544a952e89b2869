/** A label's value as the gateway has it: its own words, and numbers such as a status code. */
type LabelValue = string | number;

/** One label set's observations: the count per bucket (not cumulative; the last is past every bound), sum and count. */
interface Series {
  labels: Record<string, string>;
  counts: number[];
  sum: number;
  count: number;
}

/** A sample as prom-client's registry reads it off a metric's `get()`. */
interface Sample {
  value: number;
  labels: Record<string, LabelValue>;
  sharedLabels?: Record<string, string>;
  metricName: string;
}

/**
 * A Prometheus histogram over three labels, counted in plain numbers and
 * handed to prom-client's registry only when `/metrics` is read. Its own
 * Histogram validates the labels, builds a key string from them and finds
 * the bucket by its bound's decimal text on every `observe()`, four times
 * per cache miss; taking them and the answer's SHA-1 off the hot path made
 * a miss about 4% cheaper in the running gateway (bench/RESULTS.md). The
 * registry takes any metric with a name, a help text, a type and `get()`:
 * this one answers `get()` in the shape prom-client's own Histogram gives
 * (`_bucket` by `le`, `+Inf`, `_sum`, `_count`), so the exposition is the
 * same text.
 */
export class TalliedHistogram<A extends LabelValue, B extends LabelValue, C extends LabelValue> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<A, Map<B, Map<C, Series>>>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly [string, string, string],
    private readonly upperBounds: readonly number[],
  ) {}

  observe(a: A, b: B, c: C, value: number): void {
    // prom-client throws on these; a timing gone wrong must not fail the request it timed, nor poison the sum.
    if (!Number.isFinite(value)) {
      return;
    }
    let byB = this.series.get(a);
    if (byB === undefined) {
      byB = new Map();
      this.series.set(a, byB);
    }
    let byC = byB.get(b);
    if (byC === undefined) {
      byC = new Map();
      byB.set(b, byC);
    }
    let series = byC.get(c);
    if (series === undefined) {
      series = this.newSeries(a, b, c);
      byC.set(c, series);
    }
    const { upperBounds } = this;
    let bucket = 0;
    while (bucket < upperBounds.length && value > upperBounds[bucket]) {
      bucket += 1;
    }
    series.counts[bucket] += 1;
    series.sum += value;
    series.count += 1;
  }

  /** Every series so far, as prom-client's registry reads a metric. */
  get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const { name, upperBounds } = this;
    const values: Sample[] = [];
    for (const byB of this.series.values()) {
      for (const byC of byB.values()) {
        for (const { labels, counts, sum, count } of byC.values()) {
          let cumulative = 0;
          upperBounds.forEach((le, bucket) => {
            cumulative += counts[bucket];
            values.push({
              value: cumulative,
              labels: { le },
              sharedLabels: labels,
              metricName: `${name}_bucket`,
            });
          });
          values.push(
            { value: count, labels: { le: '+Inf' }, sharedLabels: labels, metricName: `${name}_bucket` },
            { value: sum, labels: {}, sharedLabels: labels, metricName: `${name}_sum` },
            { value: count, labels: {}, sharedLabels: labels, metricName: `${name}_count` },
          );
        }
      }
    }
    return Promise.resolve({ name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.series.clear();
  }

  private newSeries(a: A, b: B, c: C): Series {
    const [nameA, nameB, nameC] = this.labelNames;
    return {
      labels: { [nameA]: String(a), [nameB]: String(b), [nameC]: String(c) },
      counts: Array.from({ length: this.upperBounds.length + 1 }, () => 0),
      sum: 0,
      count: 0,
    };
  }
}
