import { z } from 'zod';

/*
 * The upstream contract, checked at the boundary: a body that does not fit is
 * a bad response, never passed through to a client. Unknown fields are
 * stripped so an upstream adding one cannot leak it into our answers.
 */

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const;

export const moneySchema = z.object({
  amount: z.number().int(),
  currency: z.string().min(1).max(8),
});

export const userSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  email: z.string(),
  avatarUrl: z.string().nullable(),
  tier: z.string(),
  createdAt: z.string(),
});

export const orderLineSchema = z.object({
  sku: z.string(),
  name: z.string(),
  qty: z.number().int().nonnegative(),
  unitPrice: moneySchema,
});

export const orderSchema = z.object({
  id: z.string().min(1),
  userId: z.string().min(1),
  status: z.enum(ORDER_STATUSES),
  total: moneySchema,
  lines: z.array(orderLineSchema),
  createdAt: z.string(),
});

export const orderPageSchema = z.object({
  items: z.array(orderSchema),
  nextCursor: z.string().nullable(),
});

export const preferencesSchema = z.object({
  userId: z.string().min(1),
  language: z.string(),
  currency: z.string(),
  theme: z.string(),
  notifications: z.object({ email: z.boolean(), push: z.boolean(), sms: z.boolean() }),
  marketingOptIn: z.boolean(),
  updatedAt: z.string(),
});

export type Money = z.infer<typeof moneySchema>;
export type User = z.infer<typeof userSchema>;
export type OrderLine = z.infer<typeof orderLineSchema>;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type Order = z.infer<typeof orderSchema>;
export type OrderPage = z.infer<typeof orderPageSchema>;
export type Preferences = z.infer<typeof preferencesSchema>;

export interface PreferencesPatch {
  language?: string;
  currency?: string;
  theme?: string;
  notifications?: Partial<Preferences['notifications']>;
  marketingOptIn?: boolean;
}

export interface OrderQuery {
  userId: string;
  limit?: number;
  cursor?: string;
  status?: OrderStatus;
}

/** The page a section serves when orders cannot be loaded. */
export const EMPTY_ORDER_PAGE: OrderPage = Object.freeze({ items: [], nextCursor: null }) as OrderPage;

/** Units ordered across all lines of an order. */
export function itemCount(order: Order): number {
  return order.lines.reduce((count, line) => count + line.qty, 0);
}

/** What one line costs: its unit price times its quantity, in the line's currency. */
export function lineTotal(line: OrderLine): Money {
  return { amount: line.unitPrice.amount * line.qty, currency: line.unitPrice.currency };
}
