import { aggregateMetaSchema } from '@app/aggregation';
import { moneySchema, ORDER_STATUSES } from '@app/service-clients';
import { z } from 'zod';

/** One row of the web order list. */
export const webOrderSummarySchema = z.object({
  id: z.string(),
  status: z.enum(ORDER_STATUSES),
  total: moneySchema,
  placedAt: z.string(),
  itemCount: z.number().int(),
  lineCount: z.number().int(),
});

export const webOrderPageSchema = z.object({
  items: z.array(webOrderSummarySchema),
  nextCursor: z.string().nullable(),
});

/** `GET /web/orders/:id`: the order with its lines and who placed it; `customer` is null while the user service is unavailable. */
export const webOrderDetailSchema = z.object({
  id: z.string(),
  status: z.enum(ORDER_STATUSES),
  total: moneySchema,
  placedAt: z.string(),
  lines: z.array(
    z.object({
      sku: z.string(),
      name: z.string(),
      qty: z.number().int(),
      unitPrice: moneySchema,
      lineTotal: moneySchema,
    }),
  ),
  customer: z.object({ id: z.string(), name: z.string(), email: z.string(), tier: z.string() }).nullable(),
  meta: aggregateMetaSchema,
});

export type WebOrderSummary = z.infer<typeof webOrderSummarySchema>;
export type WebOrderPage = z.infer<typeof webOrderPageSchema>;
export type WebOrderDetail = z.infer<typeof webOrderDetailSchema>;
