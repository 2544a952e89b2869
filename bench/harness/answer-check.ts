import type { AggregateMeta } from '@app/aggregation';
import {
  orderPageSchema,
  toOrderSummaryPage,
  type OrderPage,
  type OrderSummaryPage,
  type Preferences,
  type User,
} from '@app/service-clients';
import { isDeepStrictEqual } from 'node:util';
import type { ZodType } from 'zod';
import { mobileProfileSchema } from '../../apps/mobile-bff/src/profile/mobile-profile.js';
import {
  RECENT_ORDER_COUNT,
  toMobileProfile,
} from '../../apps/mobile-bff/src/profile/mobile-profile.mapper.js';
import { webDashboardSchema } from '../../apps/web-bff/src/dashboard/web-dashboard.js';
import {
  DASHBOARD_PAGE_SIZE,
  toWebDashboard,
} from '../../apps/web-bff/src/dashboard/web-dashboard.mapper.js';
import type { Sample } from './load.js';

export type AnswerKind = 'profile' | 'dashboard';

export interface UpstreamUrls {
  user: string;
  order: string;
  preference: string;
}

interface Contract {
  schema: ZodType;
  orderLimit: number;
  /** Section names in `meta`, in the product's order. */
  sections: readonly [string, string, string];
  expected: (
    values: { user: User; orders: OrderSummaryPage; preferences: Preferences },
    meta: AggregateMeta,
  ) => unknown;
}

/** What each answer must be: the product's own schema and mapper over the upstreams' data. */
const CONTRACTS: Record<AnswerKind, Contract> = {
  profile: {
    schema: mobileProfileSchema,
    orderLimit: RECENT_ORDER_COUNT,
    sections: ['user', 'recentOrders', 'preferences'],
    expected: ({ user, orders, preferences }, meta) =>
      toMobileProfile({ values: { user, recentOrders: orders, preferences }, meta }),
  },
  dashboard: {
    schema: webDashboardSchema,
    orderLimit: DASHBOARD_PAGE_SIZE,
    sections: ['user', 'orders', 'preferences'],
    expected: (values, meta) => toWebDashboard({ values, meta }),
  },
};

/**
 * A complete answer, or one whose only gaps are sections served from cache
 * just past their freshness while they refresh (`stale`, which the product
 * reports as degraded by contract). Fallbacks, errors and timeouts are not.
 */
export function isCompleteOrStale(meta: AggregateMeta, sections: readonly string[]): boolean {
  const names = Object.keys(meta.sections);
  const stale = names.filter((name) => meta.sections[name].status === 'stale');
  return (
    names.length === sections.length &&
    sections.every((name) => ['ok', 'stale'].includes(meta.sections[name]?.status)) &&
    isDeepStrictEqual([...meta.degraded].sort(), stale.sort())
  );
}

/** Whether a 2xx body that did not say it was complete is only stale; anything unreadable is not. */
export function isStaleOnly(kind: AnswerKind, body: string): boolean {
  try {
    const meta = (JSON.parse(body) as { meta: AggregateMeta }).meta;
    return isCompleteOrStale(meta, CONTRACTS[kind].sections);
  } catch {
    return false;
  }
}

/** Where two JSON values first differ, as a path, for a message a person can act on. */
export function firstDifference(actual: unknown, expected: unknown, path = '$'): string | undefined {
  if (isDeepStrictEqual(actual, expected)) {
    return undefined;
  }
  if (typeof actual !== 'object' || typeof expected !== 'object' || actual === null || expected === null) {
    return `${path}: ${JSON.stringify(actual)} instead of ${JSON.stringify(expected)}`;
  }
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  for (const key of keys) {
    const difference = firstDifference(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (difference !== undefined) {
      return difference;
    }
  }
  return `${path}: differs`;
}

async function upstreamJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`the reference read of ${new URL(url).pathname} answered ${response.status}`);
  }
  return (await response.json()) as T;
}

/**
 * Checks sampled answers against the contract: each must parse, fit the
 * product's response schema, and equal what the product's own mapper makes
 * of the upstreams' data for that user (read here directly, after the
 * load). The demo data is generated from the user id alone, so a right
 * answer is the same whenever it was made. Returns one line per wrong
 * answer; empty when all are right.
 */
export async function checkSamples(
  kind: AnswerKind,
  samples: readonly Sample[],
  upstreams: UpstreamUrls,
): Promise<string[]> {
  const contract = CONTRACTS[kind];
  const problems: string[] = [];
  for (const sample of samples) {
    let body: unknown;
    try {
      body = JSON.parse(sample.body);
    } catch {
      problems.push(`${sample.sub}: the answer is not JSON`);
      continue;
    }
    const shape = contract.schema.safeParse(body);
    if (!shape.success) {
      problems.push(`${sample.sub}: the answer does not fit the schema (${shape.error.issues[0]?.message})`);
      continue;
    }
    const meta = (body as { meta: AggregateMeta }).meta;
    if (!isCompleteOrStale(meta, contract.sections)) {
      problems.push(`${sample.sub}: the answer is degraded (${JSON.stringify(meta)})`);
      continue;
    }
    const id = encodeURIComponent(sample.sub);
    const [user, orders, preferences] = await Promise.all([
      upstreamJson<User>(`${upstreams.user}/users/${id}`),
      upstreamJson<OrderPage>(`${upstreams.order}/orders?userId=${id}&limit=${contract.orderLimit}`),
      upstreamJson<Preferences>(`${upstreams.preference}/preferences/${id}`),
    ]);
    const difference = firstDifference(
      body,
      // The order client hands the aggregates summaries of the page the service sent.
      contract.expected(
        { user, orders: toOrderSummaryPage(orderPageSchema.parse(orders)), preferences },
        meta,
      ),
    );
    if (difference !== undefined) {
      problems.push(`${sample.sub}: wrong answer at ${difference}`);
    }
  }
  return problems;
}
