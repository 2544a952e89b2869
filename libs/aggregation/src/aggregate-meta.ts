import { z } from 'zod';

/**
 * How one section of an aggregate ended, as the contract's `meta.sections`
 * tells it: `timeout` and `error` say why a fallback stands in; `stale` is
 * cached data past its freshness; `fallback` is a fallback served without
 * trying the upstream (one known to be failing).
 */
export type SectionStatus = 'ok' | 'stale' | 'fallback' | 'timeout' | 'error';

export interface SectionReport {
  status: SectionStatus;
  /** Age of the data served, for stale sections. */
  ageMs?: number;
}

export interface AggregateMeta {
  /** Sections missing or served stale; empty when the answer is complete. */
  degraded: string[];
  sections: Record<string, SectionReport>;
}

/** Lists sections in the order they were declared, not the order they finished, so equal answers serialise alike. */
export function toAggregateMeta(
  names: readonly string[],
  reports: Record<string, SectionReport>,
): AggregateMeta {
  const sections: Record<string, SectionReport> = {};
  for (const name of names) {
    sections[name] = reports[name];
  }
  return { degraded: names.filter((name) => reports[name].status !== 'ok'), sections };
}

/**
 * The same report under the names another shape of the answer gives its
 * sections: a section is named by the answer's top-level field, so an
 * answer that calls `recentOrders` `orders` must report it as `orders`.
 */
export function renameSections(meta: AggregateMeta, names: Readonly<Record<string, string>>): AggregateMeta {
  const nameOf = (name: string): string => names[name] ?? name;
  const sections: Record<string, SectionReport> = {};
  for (const [name, report] of Object.entries(meta.sections)) {
    sections[nameOf(name)] = report;
  }
  return { degraded: meta.degraded.map(nameOf), sections };
}

/** True for any body that carries an aggregate's `meta`. */
export function hasAggregateMeta(body: unknown): body is { meta: AggregateMeta } {
  const meta = (body as { meta?: { degraded?: unknown } } | null)?.meta;
  return typeof meta === 'object' && meta !== null && Array.isArray(meta.degraded);
}

/** `meta` as it is documented and serialised. */
export const aggregateMetaSchema = z.object({
  degraded: z.array(z.string()),
  sections: z.record(
    z.string(),
    z.object({
      status: z.enum(['ok', 'stale', 'fallback', 'timeout', 'error']),
      ageMs: z.number().int().nonnegative().optional(),
    }),
  ),
});

/** `X-Response-Complete` for an answer: whether its aggregate left nothing out; undefined for a body that is not an aggregate. */
export function completenessOf(body: unknown): 'true' | 'false' | undefined {
  if (!hasAggregateMeta(body)) {
    return undefined;
  }
  return body.meta.degraded.length === 0 ? 'true' : 'false';
}
