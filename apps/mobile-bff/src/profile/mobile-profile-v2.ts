import { aggregateMetaSchema } from '@app/aggregation';
import { z } from 'zod';
import { mobileOrderSummarySchema } from './mobile-profile.js';

/**
 * Version 2 of `GET /mobile/profile` (`X-Api-Version: 2`), for the new app
 * builds: the user's display name, orders with a "see all" hint, and the
 * settings screen's notification switches. Version 1 stays for the builds
 * still in the wild.
 */
export const mobileProfileV2Schema = z.object({
  user: z.object({
    id: z.string(),
    displayName: z.string(),
    avatarUrl: z.string().nullable(),
    tier: z.string(),
  }),
  orders: z.object({ recent: z.array(mobileOrderSummarySchema), hasMore: z.boolean() }),
  settings: z.object({
    language: z.string(),
    theme: z.string(),
    notifications: z.object({ push: z.boolean(), email: z.boolean(), sms: z.boolean() }),
  }),
  meta: aggregateMetaSchema,
});

export type MobileProfileV2 = z.infer<typeof mobileProfileV2Schema>;
