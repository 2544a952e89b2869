import type { AggregateMeta } from '@app/aggregation';
import {
  EMPTY_ORDER_PAGE,
  toOrderSummary,
  type OrderStatus,
  type OrderSummary,
  type Preferences,
  type User,
} from '@app/service-clients';
import { toDashboardStats, toWebDashboard } from './web-dashboard.mapper.js';

const user: User = {
  id: 'u7',
  name: 'Grace Hopper',
  email: 'grace@example.com',
  avatarUrl: null,
  tier: 'platinum',
  createdAt: '2019-03-01T00:00:00.000Z',
};

/** An order as the order service sends it, summarized as the client hands it on. */
const order = (id: string, status: OrderStatus, amount: number, currency = 'USD'): OrderSummary =>
  toOrderSummary({
    id,
    userId: 'u7',
    status,
    total: { amount, currency },
    lines: [{ sku: 'a', name: 'A', qty: 2, unitPrice: { amount: amount / 2, currency } }],
    createdAt: '2024-05-01T10:00:00.000Z',
  });

const preferences: Preferences = {
  userId: 'u7',
  language: 'en',
  currency: 'USD',
  theme: 'light',
  notifications: { email: true, push: false, sms: true },
  marketingOptIn: true,
  updatedAt: '2024-02-02T00:00:00.000Z',
};

const ok: AggregateMeta = {
  degraded: [],
  sections: { user: { status: 'ok' }, orders: { status: 'ok' }, preferences: { status: 'ok' } },
};

describe(toWebDashboard.name, () => {
  it('shows the full user, the first page of orders and the full preferences', () => {
    const page = { items: [order('o1', 'paid', 2000)], nextCursor: 'next' };
    const dashboard = toWebDashboard({ values: { user, orders: page, preferences }, meta: ok });
    expect(dashboard.user).toEqual(user);
    expect(dashboard.orders).toEqual({
      items: [
        {
          id: 'o1',
          status: 'paid',
          total: { amount: 2000, currency: 'USD' },
          placedAt: page.items[0].createdAt,
          itemCount: 2,
          lineCount: 1,
        },
      ],
      nextCursor: 'next',
    });
    expect(dashboard.preferences).toEqual({
      language: 'en',
      currency: 'USD',
      theme: 'light',
      notifications: { email: true, push: false, sms: true },
      marketingOptIn: true,
      updatedAt: '2024-02-02T00:00:00.000Z',
    });
  });

  it('gives no stats rather than zeros when the orders could not be loaded', () => {
    const meta: AggregateMeta = {
      degraded: ['orders'],
      sections: { ...ok.sections, orders: { status: 'error' } },
    };
    const dashboard = toWebDashboard({ values: { user, orders: EMPTY_ORDER_PAGE, preferences: null }, meta });
    expect(dashboard.stats).toBeNull();
    expect(dashboard.preferences).toBeNull();
  });
});

describe('stats of a stale page', () => {
  it('gives the stats of the orders shown when they are served stale, which meta flags', () => {
    const meta: AggregateMeta = {
      degraded: ['orders'],
      sections: { ...ok.sections, orders: { status: 'stale', ageMs: 90_000 } },
    };
    const page = { items: [order('o1', 'pending', 1000)], nextCursor: null };
    const dashboard = toWebDashboard({ values: { user, orders: page, preferences: null }, meta });
    expect(dashboard.stats).toEqual(toDashboardStats(page.items));
  });
});

describe(toDashboardStats.name, () => {
  it('counts open orders and sums the spend of orders not cancelled', () => {
    const stats = toDashboardStats([
      order('o1', 'pending', 1000),
      order('o2', 'shipped', 500),
      order('o3', 'delivered', 250),
      order('o4', 'cancelled', 9999),
    ]);
    expect(stats).toEqual({
      recentOrderCount: 4,
      openOrderCount: 2,
      recentSpend: { amount: 1750, currency: 'USD' },
    });
  });

  it('refuses to add up amounts in different currencies', () => {
    expect(
      toDashboardStats([order('o1', 'paid', 100, 'USD'), order('o2', 'paid', 100, 'EUR')]).recentSpend,
    ).toBeNull();
  });

  it('has no spend for a user with no orders', () => {
    expect(toDashboardStats([])).toEqual({ recentOrderCount: 0, openOrderCount: 0, recentSpend: null });
  });
});
