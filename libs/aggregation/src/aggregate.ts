import { Cancellation } from '@app/cancellation';
import { ProblemError } from '@app/problem';
import { toAggregateMeta, type AggregateMeta, type SectionReport } from './aggregate-meta.js';
import { DeadlineExceededError, type Deadline } from './deadline.js';
import { SectionSpans } from './section-spans.js';
import type { OptionalSection, RequiredSection, Section, SectionScope } from './section.js';

export type Sections = Record<string, Section>;

export type SectionValues<S extends Sections> = {
  [K in keyof S]: S[K] extends RequiredSection<infer T>
    ? T
    : S[K] extends OptionalSection<infer T, infer F>
      ? T | F
      : never;
};

export interface Aggregate<S extends Sections> {
  values: SectionValues<S>;
  meta: AggregateMeta;
}

function isTimeout(error: unknown): boolean {
  return error instanceof ProblemError && error.status === 504;
}

function failedFast(error: unknown): boolean {
  return error instanceof ProblemError && error.failedFast;
}

/**
 * Runs every section in parallel under one deadline and settles the policy:
 * a required section's failure ends the request at once with that section's
 * problem (and aborts the others); an optional section's failure, or its not
 * finishing by the deadline, serves its fallback and names it in
 * `meta.degraded`. The answer never waits past the deadline, even for a
 * loader that ignores its abort signal.
 */
export function aggregate<S extends Sections>(deadline: Deadline, sections: S): Promise<Aggregate<S>> {
  return new Promise((resolve, reject) => {
    const names = Object.keys(sections);
    const values: Record<string, unknown> = {};
    const reports: Record<string, SectionReport> = {};
    const run = new Cancellation();
    /** When the oldest data each stale section was served from was stored; its age is told as of the answer. */
    const staleSince = new Map<string, number>();
    const spans = deadline.span === undefined ? undefined : new SectionSpans(deadline.span);
    const scopeOf = (name: string): SectionScope => ({
      signal: run,
      deadlineAt: deadline.at,
      onStale: (ageMs) => {
        const since = Date.now() - ageMs;
        staleSince.set(name, Math.min(staleSince.get(name) ?? since, since));
      },
      span: spans?.start(name, sections[name].required),
      context: deadline.context,
    });
    let pending = names.length;
    let done = false;
    let stopListening = (): void => undefined;

    const stop = (): void => {
      done = true;
      stopListening();
    };
    /** The stale sections' ages as of now, when the answer (or the failure) is told: one chosen stale before a slow sibling settled is that much older. */
    const agedNow = (settled: Record<string, SectionReport>): Record<string, SectionReport> => {
      const now = Date.now();
      for (const [stale, since] of staleSince) {
        if (settled[stale]?.status === 'stale') {
          settled[stale] = { status: 'stale', ageMs: Math.round(now - since) };
        }
      }
      return settled;
    };
    /*
     * A request failed by its required sections still tells the metrics
     * how they ended, and the sections that had settled before them: they
     * are the failures that turn a screen into a 5xx. A section the client
     * got wrong (a 404 user) is no failure of the service's.
     */
    const reportFailed = (failed: readonly string[], status: 'timeout' | 'error', error: unknown): void => {
      if (error instanceof ProblemError && error.status < 500) {
        return;
      }
      const ended = agedNow({ ...reports });
      for (const name of failed) {
        ended[name] = { status };
      }
      deadline.report(
        toAggregateMeta(
          names.filter((name) => name in ended),
          ended,
        ),
      );
    };
    const fail = (error: unknown): void => {
      stop();
      spans?.endOpen(error instanceof DeadlineExceededError ? 'timeout' : 'cancelled');
      run.abort(error);
      reject(error);
    };
    const settle = (name: string, value: unknown, report: SectionReport): void => {
      values[name] = value;
      reports[name] = report;
      spans?.end(name, report.status);
      pending -= 1;
      if (pending === 0) {
        stop();
        const meta = toAggregateMeta(names, agedNow(reports));
        deadline.report(meta);
        resolve({ values: values as SectionValues<S>, meta });
      }
    };
    function atDeadline(): void {
      if (done) {
        return;
      }
      const reason: unknown = deadline.signal.reason;
      const unsettled = names.filter((name) => !(name in reports));
      if (!(reason instanceof DeadlineExceededError) || unsettled.some((name) => sections[name].required)) {
        if (reason instanceof DeadlineExceededError) {
          reportFailed(
            unsettled.filter((name) => sections[name].required),
            'timeout',
            reason,
          );
        }
        fail(reason);
        return;
      }
      run.abort(reason);
      for (const name of unsettled) {
        settle(name, (sections[name] as OptionalSection<unknown, unknown>).fallback, { status: 'timeout' });
      }
    }

    if (names.length === 0) {
      resolve({ values: {} as SectionValues<S>, meta: toAggregateMeta([], {}) });
      return;
    }
    if (deadline.signal.aborted) {
      atDeadline();
      return;
    }
    stopListening = deadline.signal.onAbort(atDeadline);
    for (const name of names) {
      const section = sections[name];
      let loading: Promise<unknown>;
      try {
        loading = section.load(scopeOf(name));
      } catch (error) {
        loading = Promise.reject(error);
      }
      loading.then(
        (value) => {
          if (!done) {
            // A stale section's age is told once the aggregate ends (agedNow).
            settle(name, value, staleSince.has(name) ? { status: 'stale' } : { status: 'ok' });
          }
        },
        (error: unknown) => {
          if (done) {
            return;
          }
          const timedOut = deadline.expired || isTimeout(error);
          if (section.required) {
            spans?.end(name, timedOut ? 'timeout' : 'error');
            reportFailed([name], timedOut ? 'timeout' : 'error', error);
            fail(timedOut && !(error instanceof ProblemError) ? new DeadlineExceededError() : error);
            return;
          }
          settle(name, section.fallback, {
            status: timedOut ? 'timeout' : failedFast(error) ? 'fallback' : 'error',
          });
        },
      );
    }
  });
}
