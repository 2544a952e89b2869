import { isKnownUserId } from './demo-ids.js';
import { DAY_MS, DEMO_NOW_MS, SECOND_MS } from './demo-time.js';
import { demoLocale } from './preference-data.js';
import { PRODUCTS, priceIn, type DemoCurrency, type Money } from './product-catalogue.js';
import { intBetween, pickDistinct, seededRandom, weighted } from './prng.js';
import { userSignupMs } from './user-data.js';

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface DemoOrderLine {
  sku: string;
  name: string;
  qty: number;
  unitPrice: Money;
}

export interface DemoOrder {
  id: string;
  userId: string;
  status: OrderStatus;
  total: Money;
  lines: DemoOrderLine[];
  createdAt: string;
}

/**
 * Everything shared by one user's orders, computed once per request so that a page builds only the
 * orders it returns. Index 0 is the newest order.
 */
interface OrderTimeline {
  userId: string;
  count: number;
  currency: DemoCurrency;
  newestMs: number;
  gapSeconds: number;
}

type StatusWeights = readonly (readonly [OrderStatus, number])[];

// Only recent orders can still be in flight; anything older than a month has settled.
const STATUS_WEIGHTS_BY_AGE: readonly (readonly [maxAgeDays: number, weights: StatusWeights])[] = [
  [
    2,
    [
      ['pending', 35],
      ['paid', 35],
      ['shipped', 20],
      ['cancelled', 10],
    ],
  ],
  [
    7,
    [
      ['paid', 10],
      ['shipped', 45],
      ['delivered', 35],
      ['cancelled', 10],
    ],
  ],
  [
    30,
    [
      ['shipped', 10],
      ['delivered', 80],
      ['cancelled', 10],
    ],
  ],
];
const SETTLED_STATUS_WEIGHTS: StatusWeights = [
  ['delivered', 90],
  ['cancelled', 10],
];

const QTY_WEIGHTS = [
  [1, 60],
  [2, 25],
  [3, 9],
  [4, 4],
  [5, 2],
] as const;

const MAX_LINES = 10;
const MAX_NEWEST_ORDER_AGE_DAYS = 20;

/** The salt of the order-count stream, picked so that u1..u10 include a user with no orders and one with hundreds. */
const ORDER_COUNT_SALT = 'order-count-10';

/** About 10% of users have no orders, 5% have hundreds, the rest 1 to 40. */
export function demoOrderCount(userId: string): number {
  if (!isKnownUserId(userId)) {
    return 0;
  }
  const random = seededRandom(userId, ORDER_COUNT_SALT);
  const roll = random();
  if (roll < 0.1) {
    return 0;
  }
  if (roll < 0.15) {
    return intBetween(random, 100, 400);
  }
  return intBetween(random, 1, 40);
}

/** Order ids carry the user id and a per-user sequence number (1 is the oldest), e.g. `o-u1-12`. */
export function demoOrderId(userId: string, index: number, count: number): string {
  return `o-${userId}-${count - index}`;
}

/** The owner and index of an order id, or undefined when no such order exists. */
export function parseDemoOrderId(orderId: string): { userId: string; index: number } | undefined {
  const separator = orderId.lastIndexOf('-');
  // User ids may contain dashes themselves, so the sequence number is whatever follows the last one.
  if (!orderId.startsWith('o-') || separator < 3) {
    return undefined;
  }
  const userId = orderId.slice(2, separator);
  const sequence = orderId.slice(separator + 1);
  if (!/^[1-9][0-9]{0,5}$/.test(sequence)) {
    return undefined;
  }
  const count = demoOrderCount(userId);
  const number = Number(sequence);
  return number <= count ? { userId, index: count - number } : undefined;
}

export function orderTimeline(userId: string): OrderTimeline {
  const count = demoOrderCount(userId);
  const signupMs = userSignupMs(userId);
  const random = seededRandom(userId, 'order-timeline');
  // Squaring skews towards recent activity, so many users have an order still in flight.
  const newestAgeSeconds = Math.floor(random() ** 2 * ((MAX_NEWEST_ORDER_AGE_DAYS * DAY_MS) / SECOND_MS));
  const newestMs = DEMO_NOW_MS - newestAgeSeconds * SECOND_MS;
  // Spreads the orders evenly between signup and the newest one; accounts are at least 60 days old, so
  // even 400 orders are hours apart.
  const gapSeconds = Math.floor((newestMs - signupMs) / SECOND_MS / (count + 1));
  return { userId, count, currency: demoLocale(userId).currency, newestMs, gapSeconds };
}

/**
 * Each order sits `index` gaps before the newest, pulled earlier by a jitter below 90% of a gap, so
 * createdAt strictly decreases with the index without looking at any neighbour.
 */
function createdAtMs(timeline: OrderTimeline, index: number): number {
  const jitter = index === 0 ? 0 : seededRandom(timeline.userId, 'order-time', index)() * 0.9;
  return timeline.newestMs - Math.floor((index + jitter) * timeline.gapSeconds) * SECOND_MS;
}

/** An order's status from its age and its own seed: cheap enough to filter hundreds without building them. */
export function orderStatus(timeline: OrderTimeline, index: number): OrderStatus {
  const ageMs = DEMO_NOW_MS - createdAtMs(timeline, index);
  const band = STATUS_WEIGHTS_BY_AGE.find(([maxAgeDays]) => ageMs <= maxAgeDays * DAY_MS);
  return weighted(seededRandom(timeline.userId, 'order-status', index), band?.[1] ?? SETTLED_STATUS_WEIGHTS);
}

export function buildOrder(timeline: OrderTimeline, index: number): DemoOrder {
  const random = seededRandom(timeline.userId, 'order', index);
  // Squaring skews baskets small: most orders have a few lines, a few have ten.
  const lineCount = 1 + Math.floor(random() ** 2 * MAX_LINES);
  const lines = pickDistinct(random, PRODUCTS, lineCount).map((product) => ({
    sku: product.sku,
    name: product.name,
    qty: weighted(random, QTY_WEIGHTS),
    unitPrice: priceIn(product, timeline.currency),
  }));
  return {
    id: demoOrderId(timeline.userId, index, timeline.count),
    userId: timeline.userId,
    status: orderStatus(timeline, index),
    total: {
      amount: lines.reduce((sum, line) => sum + line.qty * line.unitPrice.amount, 0),
      currency: timeline.currency,
    },
    lines,
    createdAt: new Date(createdAtMs(timeline, index)).toISOString(),
  };
}

/** One order by its index (0 is the newest); the caller checks that the index is below the count. */
export function demoOrder(userId: string, index: number): DemoOrder {
  return buildOrder(orderTimeline(userId), index);
}

/** All of a user's orders, newest first. Tests use it as the expected value; the routes build pages lazily. */
export function demoOrders(userId: string): DemoOrder[] {
  const timeline = orderTimeline(userId);
  return Array.from({ length: timeline.count }, (_, index) => buildOrder(timeline, index));
}
