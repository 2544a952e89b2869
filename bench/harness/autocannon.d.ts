/*
 * The part of autocannon's programmatic API the benchmark uses. autocannon
 * ships no types and @types/autocannon is not a dependency; these few
 * declarations are cheaper than another package to keep in step.
 */
declare module 'autocannon' {
  interface RequestContext {
    [key: string]: unknown;
  }

  interface RequestParams {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }

  interface Request extends RequestParams {
    setupRequest?: (request: RequestParams, context: RequestContext) => RequestParams;
    onResponse?: (
      status: number,
      body: string,
      context: RequestContext,
      headers: Record<string, string | string[]>,
    ) => void;
  }

  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    timeout?: number;
    /** Milliseconds between samples, and so how soon the end of a run is noticed. */
    sampleInt?: number;
    pipelining?: number;
    requests?: Request[];
  }

  interface Histogram {
    average: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p99: number;
  }

  interface Result {
    requests: Histogram & { total: number; sent: number };
    /** Seconds, to hundredths. */
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    '4xx': number;
    '5xx': number;
    statusCodeStats: Record<string, { count: number }>;
  }

  /** A run in progress: its events as they happen, its result once it ends. */
  interface Run extends PromiseLike<Result> {
    /** Every answer, with its latency in milliseconds as autocannon timed it, before its histogram rounds it to whole ones. */
    on(
      event: 'response',
      listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void,
    ): this;
  }

  function autocannon(options: Options): Run;
  export default autocannon;
}
