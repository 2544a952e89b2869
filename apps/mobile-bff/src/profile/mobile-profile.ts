import { aggregateMetaSchema } from '@app/aggregation';
import { moneySchema, ORDER_STATUSES } from '@app/service-clients';
import { z } from 'zod';

export const mobileOrderSummarySchema = z.object({
  id: z.string(),
  status: z.enum(ORDER_STATUSES),
  total: moneySchema,
  placedAt: z.string(),
  itemCount: z.number().int(),
});

export const mobilePreferencesSchema = z.object({
  language: z.string(),
  theme: z.string(),
  pushEnabled: z.boolean(),
});

/** `GET /mobile/profile`: one phone screen in one round trip, nothing the screen does not show. */
export const mobileProfileSchema = z.object({
  user: z.object({ id: z.string(), name: z.string(), avatarUrl: z.string().nullable(), tier: z.string() }),
  recentOrders: z.array(mobileOrderSummarySchema),
  preferences: mobilePreferencesSchema,
  meta: aggregateMetaSchema,
});

export type MobileOrderSummary = z.infer<typeof mobileOrderSummarySchema>;
export type MobilePreferences = z.infer<typeof mobilePreferencesSchema>;
export type MobileProfile = z.infer<typeof mobileProfileSchema>;
