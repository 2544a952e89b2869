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

/**
 * What a page cursor may be, both ways: the order service's cursors are
 * its own and opaque, so any visible ASCII text round-trips (base64 with
 * `+` and `/`, dots, JSON, long ones), and only spaces, control and
 * non-ASCII characters and lengths no cursor needs are refused. The same rule checks the upstream's
 * `nextCursor`, so the gateway never hands a client a cursor it would then
 * refuse: one outside it is a bad answer (502), not a silent dead end.
 */
export const ORDER_CURSOR_PATTERN = /^[!-~]{1,2048}$/;

export const orderPageSchema = z.object({
  items: z.array(orderSchema),
  // Empty is allowed here and read as the end of the list (see toOrderSummaryPage).
  nextCursor: z.union([z.literal(''), z.string().regex(ORDER_CURSOR_PATTERN)]).nullable(),
});

/**
 * An order as a list shows it: its lines counted, not kept. Every list of
 * orders the BFFs answer with shows only counts, so a page is validated
 * whole and then cached and handed on in this form. The profile's page of
 * three orders is 1,760 bytes of JSON with its lines and 478 as summaries,
 * the dashboard's twenty 9,899 and 3,037; cached whole, the page was the
 * largest thing a cache miss promoted to the old generation
 * (bench/RESULTS.md).
 */
export interface OrderSummary {
  id: string;
  status: OrderStatus;
  total: Money;
  createdAt: string;
  /** Units across all lines. */
  itemCount: number;
  lineCount: number;
}

export interface OrderSummaryPage {
  items: OrderSummary[];
  nextCursor: string | null;
}

export function toOrderSummary(order: Order): OrderSummary {
  return {
    id: order.id,
    status: order.status,
    total: order.total,
    createdAt: order.createdAt,
    itemCount: itemCount(order),
    lineCount: order.lines.length,
  };
}

/**
 * A page of orders as summaries. An empty `nextCursor` is the end of the
 * list, as `null` is: passed on, a client that sends it back would be
 * given the first page again (an empty query parameter is no cursor), and
 * page through forever.
 */
export function toOrderSummaryPage(page: OrderPage): OrderSummaryPage {
  return {
    items: page.items.map(toOrderSummary),
    nextCursor: page.nextCursor === '' ? null : page.nextCursor,
  };
}

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
export const EMPTY_ORDER_PAGE: OrderSummaryPage = Object.freeze({
  items: [],
  nextCursor: null,
}) as OrderSummaryPage;

/** Units ordered across all lines of an order. */
function itemCount(order: Order): number {
  return order.lines.reduce((count, line) => count + line.qty, 0);
}

/** What one line costs: its unit price times its quantity, in the line's currency. */
export function lineTotal(line: OrderLine): Money {
  return { amount: line.unitPrice.amount * line.qty, currency: line.unitPrice.currency };
}
