import type { Metrics } from '@app/observability';
import type { AggregateMeta } from './aggregate-meta.js';

/*
 * Sections are counted as `aggregate()` settles them, through a reporter the
 * deadline pipe hands the request's Deadline, rather than from the
 * `meta` of the answer on its way out: a response-cache hit replays an
 * answer whose sections were counted when it was built, and a 304 carries no
 * body at all, so reading answers would count some aggregates twice and miss
 * others. Controllers stay as they are, and `aggregate()` gains no
 * dependency: it tells its deadline, which tells whoever listens.
 */

/** `aggregate_sections_total` for every section, and `aggregate_stale_age_seconds` for the stale ones. */
export function countSections(metrics: Metrics, meta: AggregateMeta): void {
  for (const [section, report] of Object.entries(meta.sections)) {
    metrics.countSection(section, report.status, report.ageMs);
  }
}
