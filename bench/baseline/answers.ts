/*
 * The upstream models and the two answers, written out by hand: the same
 * fields, order and rules as the product's mappers
 * (apps/mobile-bff/src/profile/mobile-profile.mapper.ts,
 * apps/web-bff/src/dashboard/web-dashboard.mapper.ts). The benchmark checks
 * sampled answers of both against the product's own mappers, so a drift
 * shows up as a failed run, not as a flattering ratio.
 */

export interface Money {
  amount: number;
  currency: string;
}

export interface User {
  id: string;
  name: string;
  email: string;
  avatarUrl: string | null;
  tier: string;
  createdAt: string;
}

export interface Order {
  id: string;
  status: string;
  total: Money;
  lines: { qty: number }[];
  createdAt: string;
}

export interface OrderPage {
  items: Order[];
  nextCursor: string | null;
}

export interface Preferences {
  language: string;
  currency: string;
  theme: string;
  notifications: { email: boolean; push: boolean; sms: boolean };
  marketingOptIn: boolean;
  updatedAt: string;
}

export type SectionStatus = 'ok' | 'error';

export interface Meta {
  degraded: string[];
  sections: Record<string, { status: SectionStatus }>;
}

export const PROFILE_ORDER_COUNT = 3;
export const DASHBOARD_PAGE_SIZE = 20;
export const EMPTY_ORDER_PAGE: OrderPage = { items: [], nextCursor: null };
const DEFAULT_MOBILE_PREFERENCES = { language: 'en', theme: 'system', pushEnabled: false };
const OPEN_STATUSES = new Set(['pending', 'paid', 'shipped']);

/** Sections in the order they are declared, as the product's aggregator lists them. */
export function toMeta(sections: [name: string, ok: boolean][]): Meta {
  const meta: Meta = { degraded: [], sections: {} };
  for (const [name, ok] of sections) {
    meta.sections[name] = { status: ok ? 'ok' : 'error' };
    if (!ok) {
      meta.degraded.push(name);
    }
  }
  return meta;
}

function itemCount(order: Order): number {
  let count = 0;
  for (const line of order.lines) {
    count += line.qty;
  }
  return count;
}

export function toMobileProfile(user: User, orders: OrderPage, preferences: Preferences | null, meta: Meta) {
  return {
    user: { id: user.id, name: user.name, avatarUrl: user.avatarUrl, tier: user.tier },
    recentOrders: orders.items.slice(0, PROFILE_ORDER_COUNT).map((order) => ({
      id: order.id,
      status: order.status,
      total: { amount: order.total.amount, currency: order.total.currency },
      placedAt: order.createdAt,
      itemCount: itemCount(order),
    })),
    preferences:
      preferences === null
        ? DEFAULT_MOBILE_PREFERENCES
        : {
            language: preferences.language,
            theme: preferences.theme,
            pushEnabled: preferences.notifications.push,
          },
    meta,
  };
}

function recentSpend(orders: Order[]): Money | null {
  const counted = orders.filter((order) => order.status !== 'cancelled');
  if (counted.length === 0) {
    return null;
  }
  const currency = counted[0].total.currency;
  let amount = 0;
  for (const order of counted) {
    if (order.total.currency !== currency) {
      return null;
    }
    amount += order.total.amount;
  }
  return { amount, currency };
}

export function toWebDashboard(user: User, orders: OrderPage, preferences: Preferences | null, meta: Meta) {
  const ordersLoaded = meta.sections.orders.status === 'ok';
  return {
    user: {
      id: user.id,
      name: user.name,
      email: user.email,
      avatarUrl: user.avatarUrl,
      tier: user.tier,
      createdAt: user.createdAt,
    },
    orders: {
      items: orders.items.map((order) => ({
        id: order.id,
        status: order.status,
        total: { amount: order.total.amount, currency: order.total.currency },
        placedAt: order.createdAt,
        itemCount: itemCount(order),
        lineCount: order.lines.length,
      })),
      nextCursor: orders.nextCursor,
    },
    preferences:
      preferences === null
        ? null
        : {
            language: preferences.language,
            currency: preferences.currency,
            theme: preferences.theme,
            notifications: {
              email: preferences.notifications.email,
              push: preferences.notifications.push,
              sms: preferences.notifications.sms,
            },
            marketingOptIn: preferences.marketingOptIn,
            updatedAt: preferences.updatedAt,
          },
    stats: ordersLoaded
      ? {
          recentOrderCount: orders.items.length,
          openOrderCount: orders.items.filter((order) => OPEN_STATUSES.has(order.status)).length,
          recentSpend: recentSpend(orders.items),
        }
      : null,
    meta,
  };
}
