import { ORDER_STATUSES } from '@app/service-clients';
import { z } from 'zod';

export const DEFAULT_PAGE_SIZE = 20;

/** `?cursor=&limit=&status=` of the order list; anything else is a 400 naming the parameter. */
export const ordersQuerySchema = z.strictObject({
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_=-]{1,512}$/, { error: 'must be a cursor from a previous page' })
    .optional(),
  limit: z.coerce
    .number({ error: 'must be a whole number from 1 to 50' })
    .int({ error: 'must be a whole number from 1 to 50' })
    .min(1, { error: 'must be a whole number from 1 to 50' })
    .max(50, { error: 'must be a whole number from 1 to 50' })
    .default(DEFAULT_PAGE_SIZE),
  status: z.enum(ORDER_STATUSES, { error: `must be one of ${ORDER_STATUSES.join(', ')}` }).optional(),
});

export type OrdersQuery = z.infer<typeof ordersQuerySchema>;
