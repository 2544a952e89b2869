import { PROBLEM_CATALOGUE, type ProblemKind } from './problem-catalogue.js';

export interface ProblemOptions {
  /** Extra members of the problem document (RFC 9457 extensions), such as the fields that failed validation. */
  extensions?: Record<string, unknown>;
  /** Headers the answer must carry, such as `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>;
  cause?: unknown;
  /** Raised without trying the work at all (an open breaker, a full bulkhead): the caller may tell "skipped" from "failed". */
  failedFast?: boolean;
}

/**
 * The one error our code throws to answer a client with a problem. `detail`
 * is shown to the client, so it must never carry upstream hosts or internal
 * messages; put those in `cause`, which is only logged.
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly extensions: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly failedFast: boolean;

  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    options: ProblemOptions = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProblemError';
    this.status = PROBLEM_CATALOGUE[kind].status;
    this.extensions = options.extensions;
    this.headers = options.headers;
    this.failedFast = options.failedFast ?? false;
  }
}
