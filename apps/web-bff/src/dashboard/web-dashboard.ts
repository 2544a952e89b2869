import type { AggregateMeta } from '@app/aggregation';
import type { Money, User } from '@app/service-clients';
import type { WebOrderSummary } from '../orders/web-orders.js';
import type { WebPreferences } from '../preferences/web-preferences.mapper.js';

/** `GET /web/dashboard`: the web app's landing screen. */
export interface WebDashboard {
  user: User;
  orders: { items: WebOrderSummary[]; nextCursor: string | null };
  /** Null while the preference service is unavailable: the web app shows its own defaults. */
  preferences: WebPreferences | null;
  /** Figures over the first page of orders; null when that page could not be loaded. */
  stats: DashboardStats | null;
  meta: AggregateMeta;
}

export interface DashboardStats {
  /** Orders on the first page. */
  recentOrderCount: number;
  /** Of those, orders not yet delivered or cancelled. */
  openOrderCount: number;
  /** Sum of the non-cancelled recent orders; null when there are none or they mix currencies. */
  recentSpend: Money | null;
}
