import { encodeOrderCursor } from './order-cursor.js';
import { buildOrder, orderStatus, orderTimeline, type DemoOrder, type OrderStatus } from './order-data.js';

export interface OrderPageQuery {
  userId: string;
  limit: number;
  /** Index of the first order to consider (0 is the newest); a cursor decodes to this. */
  position: number;
  status: OrderStatus | undefined;
}

/** The body of `GET /orders`. */
export interface OrderPage {
  items: DemoOrder[];
  /** Null when no further order matches, so the last page says it is the last. */
  nextCursor: string | null;
}

/**
 * One page of a user's orders, newest first, exactly as `GET /orders` answers it. Pages are positions
 * in a fixed sequence, so walking them yields every order exactly once. Only the returned orders are
 * built; the status filter reads the cheap per-order status alone.
 */
export function demoOrderPage(query: OrderPageQuery): OrderPage {
  const timeline = orderTimeline(query.userId);
  const matches = (index: number) =>
    query.status === undefined || orderStatus(timeline, index) === query.status;
  const items: DemoOrder[] = [];
  let index = query.position;
  for (; index < timeline.count && items.length < query.limit; index++) {
    if (matches(index)) {
      items.push(buildOrder(timeline, index));
    }
  }
  // Looks ahead rather than handing out a cursor to an empty page.
  while (index < timeline.count && !matches(index)) {
    index++;
  }
  return {
    items,
    nextCursor:
      index < timeline.count
        ? encodeOrderCursor(index, { userId: query.userId, status: query.status })
        : null,
  };
}
