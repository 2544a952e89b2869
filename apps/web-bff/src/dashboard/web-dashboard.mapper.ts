import type { AggregateMeta } from '@app/aggregation';
import type { Money, OrderSummary, OrderSummaryPage, Preferences, User } from '@app/service-clients';
import { toWebPreferences } from '../preferences/web-preferences.mapper.js';
import { toWebOrderSummary } from '../orders/web-orders.mapper.js';
import type { DashboardStats, WebDashboard } from './web-dashboard.js';

export const DASHBOARD_PAGE_SIZE = 20;

export interface DashboardSections {
  user: User;
  orders: OrderSummaryPage;
  preferences: Preferences | null;
}

const OPEN_STATUSES = new Set<OrderSummary['status']>(['pending', 'paid', 'shipped']);

function spend(orders: OrderSummary[]): Money | null {
  const counted = orders.filter((order) => order.status !== 'cancelled');
  if (counted.length === 0) {
    return null;
  }
  const currency = counted[0].total.currency;
  if (counted.some((order) => order.total.currency !== currency)) {
    return null;
  }
  return { amount: counted.reduce((sum, order) => sum + order.total.amount, 0), currency };
}

export function toDashboardStats(orders: OrderSummary[]): DashboardStats {
  return {
    recentOrderCount: orders.length,
    openOrderCount: orders.filter((order) => OPEN_STATUSES.has(order.status)).length,
    recentSpend: spend(orders),
  };
}

export function toWebDashboard({
  values,
  meta,
}: {
  values: DashboardSections;
  meta: AggregateMeta;
}): WebDashboard {
  const { user, orders, preferences } = values;
  // Stats describe the page shown: a stale page gets its stats, flagged with it in meta; a fallback page none.
  const ordersStatus = meta.sections.orders?.status;
  const ordersLoaded = ordersStatus === 'ok' || ordersStatus === 'stale';
  return {
    user: {
      id: user.id,
      name: user.name,
      email: user.email,
      avatarUrl: user.avatarUrl,
      tier: user.tier,
      createdAt: user.createdAt,
    },
    orders: { items: orders.items.map(toWebOrderSummary), nextCursor: orders.nextCursor },
    preferences: preferences === null ? null : toWebPreferences(preferences),
    stats: ordersLoaded ? toDashboardStats(orders.items) : null,
    meta,
  };
}
