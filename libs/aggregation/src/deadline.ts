import { Cancellation, timeoutAfterReads, type CancelSignal } from '@app/cancellation';
import type { RequestContext, TraceSpan } from '@app/observability';
import { ProblemError } from '@app/problem';
import { performance } from 'node:perf_hooks';
import type { AggregateMeta } from './aggregate-meta.js';

/** Told how each aggregate run under a deadline settled. */
export type AggregateReporter = (meta: AggregateMeta) => void;

export class DeadlineExceededError extends ProblemError {
  constructor() {
    super('gateway-timeout', 'The request could not be completed within its deadline.');
    this.name = 'DeadlineExceededError';
  }
}

export class ClientClosedError extends ProblemError {
  constructor() {
    super('client-closed', 'The client closed the connection before the answer was ready.');
    this.name = 'ClientClosedError';
  }
}

/**
 * One request's time budget. Its signal aborts when the time is up or the
 * client goes away, so every upstream call made under it stops with it.
 * The clock starts watching when work first asks for the signal: a request
 * answered without any (a cached answer) arms no timer, and `onStart`, the
 * watch on the client's connection, is set up only then too. A deadline
 * already cancelled stays cancelled.
 */
export class Deadline {
  private cancellation: Cancellation | undefined;
  private stopTimer: (() => void) | undefined;

  /**
   * @param at `performance.now()` by which the request must have answered.
   * @param reporter hears every aggregate that settles under this deadline (the request's metrics).
   * @param span the request's span, when tracing is on: each section of an aggregate run under this deadline is its child.
   * @param context the request it is the budget of, handed to every call made under it (its id, its access log line).
   * @param onStart called once, when work first asks for the signal: where the deadline's owner starts watching the client.
   * @param onStaleCall told the age of the data when a call made directly under this deadline (outside an aggregate) is answered from the cache past its freshness.
   */
  constructor(
    readonly at: number,
    private readonly reporter?: AggregateReporter,
    readonly span?: TraceSpan,
    readonly context?: RequestContext,
    private readonly onStart?: (deadline: Deadline) => void,
    private readonly onStaleCall?: (ageMs: number) => void,
  ) {}

  static after(ms: number): Deadline {
    return new Deadline(performance.now() + ms);
  }

  /** Called by `aggregate()` when it has settled every section. */
  report(meta: AggregateMeta): void {
    this.reporter?.(meta);
  }

  get signal(): CancelSignal {
    if (this.cancellation !== undefined) {
      return this.cancellation;
    }
    const cancellation = new Cancellation();
    this.cancellation = cancellation;
    const leftMs = this.at - performance.now();
    if (leftMs <= 0) {
      cancellation.abort(new DeadlineExceededError());
      return cancellation;
    }
    this.stopTimer = timeoutAfterReads(leftMs, () => cancellation.abort(new DeadlineExceededError()));
    this.onStart?.(this);
    return cancellation;
  }

  /** What a service call made directly under this deadline (outside an aggregate) is given. */
  get callOptions(): {
    signal: CancelSignal;
    deadlineAt: number;
    context: RequestContext | undefined;
    onStale: ((ageMs: number) => void) | undefined;
  } {
    return { signal: this.signal, deadlineAt: this.at, context: this.context, onStale: this.onStaleCall };
  }

  get expired(): boolean {
    return this.cancellation?.reason instanceof DeadlineExceededError;
  }

  remainingMs(): number {
    return Math.max(0, this.at - performance.now());
  }

  /** The client is gone: stop every call still running for it. */
  cancel(): void {
    this.dispose();
    this.cancellation ??= new Cancellation();
    if (!this.cancellation.aborted) {
      this.cancellation.abort(new ClientClosedError());
    }
  }

  /** The answer has been sent: the timer is no longer needed. */
  dispose(): void {
    this.stopTimer?.();
  }
}
