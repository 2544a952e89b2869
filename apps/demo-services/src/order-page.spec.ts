import {
  DEMO_USER_WITH_MANY_ORDERS,
  DEMO_USER_WITHOUT_ORDERS,
  demoOrders,
  type OrderStatus,
} from './demo-data.js';
import { decodeOrderCursor } from './order-cursor.js';
import { demoOrderPage, type OrderPage } from './order-page.js';

/** Follows the cursors the way a client would, from the first page to the one without a cursor. */
function walk(userId: string, limit: number, status?: OrderStatus): OrderPage[] {
  const pages = [demoOrderPage({ userId, limit, position: 0, status })];
  let cursor = pages[0].nextCursor;
  while (cursor !== null) {
    const page = demoOrderPage({
      userId,
      limit,
      position: decodeOrderCursor(cursor, { userId, status }) ?? -1,
      status,
    });
    pages.push(page);
    cursor = page.nextCursor;
  }
  return pages;
}

describe('demoOrderPage', () => {
  it('walks every order exactly once, newest first, across pages', () => {
    const pages = walk(DEMO_USER_WITH_MANY_ORDERS, 37);
    expect(pages.flatMap((page) => page.items)).toEqual(demoOrders(DEMO_USER_WITH_MANY_ORDERS));
    expect(pages.slice(0, -1).every((page) => page.items.length === 37)).toBe(true);
  });

  it('filters by status and still pages through every match once', () => {
    const all = demoOrders(DEMO_USER_WITH_MANY_ORDERS);
    for (const status of ['delivered', 'cancelled'] as const) {
      const expected = all.filter((order) => order.status === status);
      expect(expected.length).toBeGreaterThan(0);
      expect(walk(DEMO_USER_WITH_MANY_ORDERS, 10, status).flatMap((page) => page.items)).toEqual(expected);
    }
  });

  it('offers no cursor when the last page ends exactly at the last match', () => {
    const count = demoOrders(DEMO_USER_WITH_MANY_ORDERS).length;
    const page = demoOrderPage({
      userId: DEMO_USER_WITH_MANY_ORDERS,
      limit: 5,
      position: count - 5,
      status: undefined,
    });
    expect(page.items).toHaveLength(5);
    expect(page.nextCursor).toBeNull();
  });

  it('answers an empty last page for users without orders or positions past the end', () => {
    const empty = { items: [], nextCursor: null };
    expect(
      demoOrderPage({ userId: DEMO_USER_WITHOUT_ORDERS, limit: 20, position: 0, status: undefined }),
    ).toEqual(empty);
    expect(demoOrderPage({ userId: 'u1', limit: 20, position: 10_000, status: undefined })).toEqual(empty);
  });
});
