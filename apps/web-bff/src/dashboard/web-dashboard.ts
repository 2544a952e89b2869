import { aggregateMetaSchema } from '@app/aggregation';
import { moneySchema } from '@app/service-clients';
import { z } from 'zod';
import { webOrderPageSchema } from '../orders/web-orders.js';
import { webPreferencesSchema } from '../preferences/web-preferences.js';

export const dashboardStatsSchema = z.object({
  /** Orders on the first page. */
  recentOrderCount: z.number().int(),
  /** Of those, orders not yet delivered or cancelled. */
  openOrderCount: z.number().int(),
  /** Sum of the non-cancelled recent orders; null when there are none or they mix currencies. */
  recentSpend: moneySchema.nullable(),
});

/** `GET /web/dashboard`: the web app's landing screen. */
export const webDashboardSchema = z.object({
  user: z.object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    avatarUrl: z.string().nullable(),
    tier: z.string(),
    createdAt: z.string(),
  }),
  orders: webOrderPageSchema,
  /** Null while the preference service is unavailable: the web app shows its own defaults. */
  preferences: webPreferencesSchema.nullable(),
  /** Figures over the first page of orders, stale with it (meta.sections.orders); null when no page could be had. */
  stats: dashboardStatsSchema.nullable(),
  meta: aggregateMetaSchema,
});

export type DashboardStats = z.infer<typeof dashboardStatsSchema>;
export type WebDashboard = z.infer<typeof webDashboardSchema>;
