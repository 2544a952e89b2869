import type { AggregateMeta } from '@app/aggregation';
import {
  EMPTY_ORDER_PAGE,
  toOrderSummary,
  type OrderSummary,
  type Preferences,
  type User,
} from '@app/service-clients';
import { DEFAULT_MOBILE_PREFERENCES, toMobileProfile, toMobileProfileV2 } from './mobile-profile.mapper.js';

const user: User = {
  id: 'u1',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  avatarUrl: 'https://cdn.example.com/u1.png',
  tier: 'gold',
  createdAt: '2020-01-01T00:00:00.000Z',
};

/** An order as the order service sends it, summarized as the client hands it on. */
const order = (id: string, qtys: number[]): OrderSummary =>
  toOrderSummary({
    id,
    userId: 'u1',
    status: 'shipped',
    total: { amount: qtys.reduce((sum, qty) => sum + qty * 500, 0), currency: 'EUR' },
    lines: qtys.map((qty, index) => ({
      sku: `sku-${index}`,
      name: `Item ${index}`,
      qty,
      unitPrice: { amount: 500, currency: 'EUR' },
    })),
    createdAt: `2024-05-0${id.length}T10:00:00.000Z`,
  });

const preferences: Preferences = {
  userId: 'u1',
  language: 'fr',
  currency: 'EUR',
  theme: 'dark',
  notifications: { email: true, push: true, sms: false },
  marketingOptIn: false,
  updatedAt: '2024-01-01T00:00:00.000Z',
};

const complete: AggregateMeta = { degraded: [], sections: {} };

describe(toMobileProfile.name, () => {
  it('keeps only what the phone shows of the user', () => {
    const profile = toMobileProfile({
      values: { user, recentOrders: EMPTY_ORDER_PAGE, preferences },
      meta: complete,
    });
    expect(profile.user).toEqual({
      id: 'u1',
      name: 'Ada Lovelace',
      avatarUrl: 'https://cdn.example.com/u1.png',
      tier: 'gold',
    });
  });

  it('shows at most the three newest orders with their item counts', () => {
    const page = {
      items: [order('o1', [1, 2]), order('o2', [3]), order('o3', [1]), order('o4', [9])],
      nextCursor: 'c',
    };
    const profile = toMobileProfile({ values: { user, recentOrders: page, preferences }, meta: complete });
    expect(profile.recentOrders).toEqual([
      {
        id: 'o1',
        status: 'shipped',
        total: { amount: 1500, currency: 'EUR' },
        placedAt: page.items[0].createdAt,
        itemCount: 3,
      },
      {
        id: 'o2',
        status: 'shipped',
        total: { amount: 1500, currency: 'EUR' },
        placedAt: page.items[1].createdAt,
        itemCount: 3,
      },
      {
        id: 'o3',
        status: 'shipped',
        total: { amount: 500, currency: 'EUR' },
        placedAt: page.items[2].createdAt,
        itemCount: 1,
      },
    ]);
  });

  it('shows the three newest orders newest first, even when the order service sent them oldest first', () => {
    const placed = (id: string, day: number): OrderSummary => ({
      ...order(id, [1]),
      createdAt: `2024-05-0${day}T10:00:00.000Z`,
    });
    const page = {
      items: [placed('o1', 1), placed('o2', 2), placed('o3', 3), placed('o4', 4)],
      nextCursor: null,
    };
    const profile = toMobileProfile({ values: { user, recentOrders: page, preferences }, meta: complete });
    expect(profile.recentOrders.map((summary) => summary.id)).toEqual(['o4', 'o3', 'o2']);
    expect(page.items.map((item) => item.id)).toEqual(['o1', 'o2', 'o3', 'o4']);
  });

  it('tells the app whether push is on from the preferences', () => {
    const profile = toMobileProfile({
      values: { user, recentOrders: EMPTY_ORDER_PAGE, preferences },
      meta: complete,
    });
    expect(profile.preferences).toEqual({ language: 'fr', theme: 'dark', pushEnabled: true });
  });

  it('shows neutral preferences, with push off, when they could not be loaded', () => {
    const meta: AggregateMeta = { degraded: ['preferences'], sections: { preferences: { status: 'error' } } };
    const profile = toMobileProfile({
      values: { user, recentOrders: EMPTY_ORDER_PAGE, preferences: null },
      meta,
    });
    expect(profile.preferences).toEqual(DEFAULT_MOBILE_PREFERENCES);
    expect(profile.meta).toBe(meta);
  });
});

describe('toMobileProfileV2', () => {
  it("names degraded sections by version 2's own fields, so the app finds what is missing", () => {
    const meta: AggregateMeta = {
      degraded: ['recentOrders', 'preferences'],
      sections: {
        user: { status: 'ok' },
        recentOrders: { status: 'error' },
        preferences: { status: 'stale', ageMs: 5 },
      },
    };
    const profile = toMobileProfileV2({
      values: { user, recentOrders: EMPTY_ORDER_PAGE, preferences },
      meta,
    });
    expect(profile.meta).toEqual({
      degraded: ['orders', 'settings'],
      sections: {
        user: { status: 'ok' },
        orders: { status: 'error' },
        settings: { status: 'stale', ageMs: 5 },
      },
    });
    expect(Object.keys(profile)).toEqual(expect.arrayContaining(Object.keys(profile.meta.sections)));
  });
});
