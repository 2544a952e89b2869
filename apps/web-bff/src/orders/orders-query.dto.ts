import { ORDER_CURSOR_PATTERN, ORDER_STATUSES } from '@app/service-clients';
import { z } from 'zod';

export const DEFAULT_PAGE_SIZE = 20;
const LIMIT_RULE = 'must be a whole number from 1 to 50';

/** `?cursor=&limit=&status=` of the order list; anything else is a 400 naming the parameter. */
export const ordersQuerySchema = z.strictObject({
  cursor: z
    .string()
    .regex(ORDER_CURSOR_PATTERN, { error: 'must be a cursor from a previous page' })
    .optional()
    .describe("The previous page's nextCursor; leave it out for the first page"),
  limit: z
    .preprocess(
      // Decimal digits only: z.coerce's Number() would take 0x10, 1e1, +5 and 5.0 for numbers.
      (value) => (typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value),
      z
        .number({ error: LIMIT_RULE })
        .int({ error: LIMIT_RULE, abort: true })
        .min(1, { error: LIMIT_RULE, abort: true })
        .max(50, { error: LIMIT_RULE })
        .default(DEFAULT_PAGE_SIZE),
    )
    .describe('Orders per page'),
  status: z
    .enum(ORDER_STATUSES, { error: `must be one of ${ORDER_STATUSES.join(', ')}` })
    .optional()
    .describe('Only orders in this status'),
});

export type OrdersQuery = z.infer<typeof ordersQuerySchema>;
