import { moneySchema, ORDER_STATUSES } from '@app/service-clients';
import { z } from 'zod';
import { mobileOrderSummarySchema } from '../profile/mobile-profile.js';

/** `GET /mobile/orders`: the order history screen, one page at a time. */
export const mobileOrderPageSchema = z.object({
  items: z.array(mobileOrderSummarySchema),
  nextCursor: z.string().nullable(),
});

/** `GET /mobile/orders/:id`: what the order screen of the phone shows. */
export const mobileOrderDetailSchema = z.object({
  id: z.string(),
  status: z.enum(ORDER_STATUSES),
  total: moneySchema,
  placedAt: z.string(),
  items: z.array(
    z.object({
      name: z.string(),
      qty: z.number().int(),
      price: moneySchema.describe('What the line costs: its quantity times its unit price'),
    }),
  ),
});

export type MobileOrderPage = z.infer<typeof mobileOrderPageSchema>;
export type MobileOrderDetail = z.infer<typeof mobileOrderDetailSchema>;
