import {
  DEMO_MISSING_USER,
  DEMO_NOW_MS,
  DEMO_USER_WITH_MANY_ORDERS,
  DEMO_USER_WITHOUT_ORDERS,
  ORDER_STATUSES,
  THEMES,
  USER_TIERS,
  demoOrder,
  demoOrderCount,
  demoOrders,
  demoPreferences,
  demoUser,
  isKnownUserId,
  parseDemoOrderId,
} from './demo-data.js';

const SAMPLE_USERS = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('demo data', () => {
  describe('users', () => {
    it('derives the same user from the same id every time', () => {
      expect(demoUser('u1')).toEqual(demoUser('u1'));
      expect(demoUser('u1')).toMatchInlineSnapshot(`
        {
          "avatarUrl": "https://avatars.example.com/u1.png",
          "createdAt": "2024-12-06T14:56:27.000Z",
          "email": "sofia.martin767@example.com",
          "id": "u1",
          "name": "Sofia Martin",
          "tier": "silver",
        }
      `);
    });

    it('has a user for every well-formed id except the missing ones', () => {
      for (const id of ['u1', 'A', 'team_lead-7', 'auth0|abc', 'ana@example.com', 'x'.repeat(128)]) {
        expect(demoUser(id).id).toBe(id);
      }
      for (const id of [
        DEMO_MISSING_USER,
        'missing',
        '',
        'x'.repeat(129),
        '../admin',
        '..',
        '.',
        'u 1',
        'u/1',
        'ü',
      ]) {
        expect(isKnownUserId(id)).toBe(false);
        expect(() => demoUser(id)).toThrow(RangeError);
      }
    });

    it('spreads users over every tier, with ISO timestamps before the demo clock', () => {
      const users = SAMPLE_USERS.map(demoUser);
      expect(new Set(users.map((user) => user.tier))).toEqual(new Set(USER_TIERS));
      for (const user of users) {
        expect(user.createdAt).toMatch(ISO_INSTANT);
        expect(Date.parse(user.createdAt)).toBeLessThan(DEMO_NOW_MS);
        expect(user.email).toMatch(/^[a-z]+\.[a-z]+\d+@example\.com$/);
      }
    });

    it('makes u1..u10 different people', () => {
      const names = new Set(Array.from({ length: 10 }, (_, i) => demoUser(`u${i + 1}`).name));
      expect(names.size).toBeGreaterThan(7);
    });
  });

  describe('orders', () => {
    it('gives about 10% of users no orders and about 5% hundreds of them', () => {
      const counts = SAMPLE_USERS.map(demoOrderCount);
      const none = counts.filter((count) => count === 0).length;
      const hundreds = counts.filter((count) => count >= 100).length;
      expect(none).toBeGreaterThan(60);
      expect(none).toBeLessThan(140);
      expect(hundreds).toBeGreaterThan(25);
      expect(hundreds).toBeLessThan(80);
      expect(Math.max(...counts)).toBeLessThanOrEqual(400);
      expect(counts.filter((count) => count > 40 && count < 100)).toEqual([]);
    });

    it('names demo users with no orders and with hundreds of orders', () => {
      expect(demoOrders(DEMO_USER_WITHOUT_ORDERS)).toEqual([]);
      expect(demoOrders(DEMO_USER_WITH_MANY_ORDERS).length).toBeGreaterThanOrEqual(100);
      expect(demoOrders(DEMO_MISSING_USER)).toEqual([]);
    });

    it('varies the order counts of u1..u10', () => {
      const counts = Array.from({ length: 10 }, (_, i) => demoOrderCount(`u${i + 1}`));
      expect(counts).toContain(0);
      expect(counts.some((count) => count >= 100)).toBe(true);
      expect(new Set(counts).size).toBeGreaterThan(6);
    });

    it('uses every status, keeping old orders settled', () => {
      const orders = SAMPLE_USERS.flatMap(demoOrders);
      expect(new Set(orders.map((order) => order.status))).toEqual(new Set(ORDER_STATUSES));
      const monthAgo = DEMO_NOW_MS - 31 * 86_400_000;
      const old = orders.filter((order) => Date.parse(order.createdAt) < monthAgo);
      expect(old.every((order) => order.status === 'delivered' || order.status === 'cancelled')).toBe(true);
    });

    it('builds 1 to 10 lines per order, totals equal to the line sums, in the user currency', () => {
      const lineCounts = new Set<number>();
      for (const userId of SAMPLE_USERS.slice(0, 100)) {
        const currency = demoPreferences(userId).currency;
        for (const order of demoOrders(userId)) {
          lineCounts.add(order.lines.length);
          expect(new Set(order.lines.map((line) => line.sku)).size).toBe(order.lines.length);
          const sum = order.lines.reduce((total, line) => total + line.qty * line.unitPrice.amount, 0);
          expect(order.total).toEqual({ amount: sum, currency });
          for (const line of order.lines) {
            expect(Number.isInteger(line.unitPrice.amount)).toBe(true);
            expect(line.unitPrice.amount).toBeGreaterThan(0);
            expect(line.unitPrice.currency).toBe(currency);
            expect(line.qty).toBeGreaterThanOrEqual(1);
          }
        }
      }
      expect([...lineCounts].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('orders strictly newest first, all after signup and before the demo clock', () => {
      for (const userId of [DEMO_USER_WITH_MANY_ORDERS, ...SAMPLE_USERS.slice(0, 100)]) {
        const times = demoOrders(userId).map((order) => Date.parse(order.createdAt));
        const signup = Date.parse(demoUser(userId).createdAt);
        expect(times).toEqual([...times].sort((a, b) => b - a));
        expect(new Set(times).size).toBe(times.length);
        expect(times.every((time) => time > signup && time <= DEMO_NOW_MS)).toBe(true);
      }
    });

    it('regenerates any order from its id alone, dashed user ids included', () => {
      const userIds = ['u1', 'team-lead-7', 'a-b-c', DEMO_USER_WITH_MANY_ORDERS].filter(
        (userId) => demoOrderCount(userId) > 0,
      );
      expect(userIds.length).toBeGreaterThan(2);
      for (const userId of userIds) {
        const orders = demoOrders(userId);
        expect(new Set(orders.map((order) => order.id)).size).toBe(orders.length);
        orders.forEach((order, index) => {
          expect(order.userId).toBe(userId);
          expect(parseDemoOrderId(order.id)).toEqual({ userId, index });
          expect(demoOrder(userId, index)).toEqual(order);
        });
      }
    });

    it('finds no order behind ids that name none', () => {
      const count = demoOrderCount('u1');
      for (const id of [
        `o-u1-${count + 1}`,
        'o-u1-0',
        'o-u1-01',
        'o-u1-',
        'o--1',
        'o-u1',
        'x-u1-1',
        `o-${DEMO_USER_WITHOUT_ORDERS}-1`,
        `o-${DEMO_MISSING_USER}-1`,
        'o-../u1-1',
      ]) {
        expect(parseDemoOrderId(id)).toBeUndefined();
      }
    });
  });

  describe('preferences', () => {
    it('derives plausible, deterministic preferences', () => {
      expect(demoPreferences('u1')).toEqual(demoPreferences('u1'));
      const all = SAMPLE_USERS.map((id) => demoPreferences(id));
      expect(new Set(all.map((preferences) => preferences.theme))).toEqual(new Set(THEMES));
      expect(new Set(all.map((preferences) => preferences.language))).toEqual(
        new Set(['en', 'fr', 'de', 'es', 'pt-BR', 'ja']),
      );
      expect(new Set(all.map((preferences) => preferences.currency))).toEqual(
        new Set(['EUR', 'USD', 'GBP', 'JPY', 'BRL']),
      );
      for (const preferences of all) {
        expect(preferences.updatedAt).toMatch(ISO_INSTANT);
        expect(Date.parse(preferences.updatedAt)).toBeGreaterThanOrEqual(
          Date.parse(demoUser(preferences.userId).createdAt),
        );
      }
    });

    it('refuses to make up preferences for users that do not exist', () => {
      expect(() => demoPreferences(DEMO_MISSING_USER)).toThrow(RangeError);
      expect(() => demoPreferences('../etc')).toThrow(RangeError);
    });
  });
});
