import type { CancelSignal } from '@app/cancellation';
import type { RequestContext, TraceSpan } from '@app/observability';

/** What a section's loader receives; it fits a service client's call options as is. */
export interface SectionScope {
  /** Aborts when the deadline passes, the client leaves, or a required sibling has already failed. */
  signal: CancelSignal;
  /** `performance.now()` by which the whole request must have answered. */
  deadlineAt: number;
  /** For the loader's data source: the data is past its freshness by this age; the section is reported stale. */
  onStale: (ageMs: number) => void;
  /** The section's span, when tracing is on: upstream calls made for the section are its children. */
  span: TraceSpan | undefined;
  /** The request the section is loaded for. */
  context: RequestContext | undefined;
}

export type Loader<T> = (scope: SectionScope) => Promise<T>;

export interface RequiredSection<T> {
  readonly required: true;
  readonly load: Loader<T>;
}

export interface OptionalSection<T, F> {
  readonly required: false;
  readonly load: Loader<T>;
  /** Served instead when the loader fails or runs out of time. */
  readonly fallback: F;
}

export type Section<T = unknown, F = unknown> = RequiredSection<T> | OptionalSection<T, F>;

/** A section without which the answer is useless: its failure fails the request. */
export function required<T>(load: Loader<T>): RequiredSection<T> {
  return { required: true, load };
}

/**
 * A section the answer can do without: when it fails or runs out of time the
 * fallback is served in its place and the answer is flagged degraded.
 */
export function optional<T, F = T>(load: Loader<T>, fallback: F): OptionalSection<T, F> {
  return { required: false, load, fallback };
}
