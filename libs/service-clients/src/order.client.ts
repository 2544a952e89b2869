import { Injectable } from '@nestjs/common';
import { normalizeQuery } from '@app/caching';
import { ProblemError } from '@app/problem';
import { expectAnswer, expectOwnAnswer, type ExpectedAnswer } from './expected-answer.js';
import {
  orderPageSchema,
  orderSchema,
  toOrderSummaryPage,
  type Order,
  type OrderQuery,
  type OrderSummaryPage,
} from './models.js';
import { resourcePath } from './resource-path.js';
import type { ServiceUpstream } from './service-upstream.js';
import type { CallOptions } from './upstream-call.js';
import { UpstreamBadResponseError, UpstreamNotFoundError } from './upstream.error.js';
import { UpstreamRegistry } from './upstream-registry.js';

const ORDER_MISSING = 'The order';
const ORDER = expectAnswer(orderSchema, ORDER_MISSING);
/** What an order id may look like before any URL is built from it: the characters of a user id, and never `.` or `..`. */
const ORDER_ID_PATTERN = /^(?!\.\.?$)[A-Za-z0-9_.:@|-]{1,160}$/;
// A user's order list always exists (empty for a user without orders): a 404 is no answer.
const ORDER_PAGE = expectAnswer(orderPageSchema, undefined);

/**
 * A page of `userId`'s orders, as summaries: one with an order of anybody
 * else's is refused, and so is one longer than the `limit` asked for (an
 * upstream that ignores it would have the gateway relay its whole history
 * as one page).
 */
function pageOf(userId: string, limit: number | undefined): ExpectedAnswer<OrderSummaryPage> {
  return expectOwnAnswer(
    ORDER_PAGE,
    (page) =>
      (limit === undefined || page.items.length <= limit) &&
      page.items.every((order) => order.userId === userId),
    toOrderSummaryPage,
  );
}
const CURSOR_RULE = 'must be a cursor from a previous page';

/** Where a page of a user's orders is cached, and whose data it is. */
function pageCache(query: OrderQuery): { key: string; owner: string } {
  return {
    // `summary:`: instances that cached whole pages under the bare key may share Redis during a rolling deploy.
    key: `summary:${encodeURIComponent(query.userId)}:${normalizeQuery({ limit: query.limit, cursor: query.cursor, status: query.status })}`,
    owner: query.userId,
  };
}

/**
 * Cursors are the order service's own and opaque to us, so only it can
 * tell a forged or stale one; its 400 to a call that carries the caller's
 * cursor is the caller's mistake, not a bad answer from the service.
 */
function refusedCursor(error: unknown, cursor: string | undefined): unknown {
  return cursor !== undefined && error instanceof UpstreamBadResponseError && error.upstreamStatus === 400
    ? new ProblemError('validation', `The query is not valid: cursor ${CURSOR_RULE}.`, {
        extensions: { errors: [{ field: 'cursor', message: CURSOR_RULE }] },
      })
    : error;
}

@Injectable()
export class OrderClient {
  private readonly upstream: ServiceUpstream;

  constructor(registry: UpstreamRegistry) {
    this.upstream = registry.for('order');
  }

  /** A page of the user's orders, newest first, as summaries; {@link get} has an order's lines. */
  list(query: OrderQuery, options: CallOptions = {}): Promise<OrderSummaryPage> {
    return this.upstream
      .call<OrderSummaryPage>({
        method: 'GET',
        path: '/orders',
        query: { userId: query.userId, limit: query.limit, cursor: query.cursor, status: query.status },
        expect: pageOf(query.userId, query.limit),
        cache: pageCache(query),
        ...options,
      })
      .catch((error: unknown) => {
        throw refusedCursor(error, query.cursor);
      });
  }

  /** The resource cache key {@link list} reads, for an answer that looks its sections up with itself. */
  listCacheKeyOf(query: OrderQuery): string {
    return this.upstream.cacheKeyOf(pageCache(query).key);
  }

  /**
   * The order, if it is the user's: someone else's order is answered
   * exactly like one that does not exist, so ids cannot be probed. It is
   * cached per user and filed under them, so invalidating the user's data
   * drops it; another user who asks for it gets a 404 from an entry of
   * their own, which holds the order only to tell whose it is.
   */
  async getForUser(orderId: string, userId: string, options: CallOptions = {}): Promise<Order> {
    if (!ORDER_ID_PATTERN.test(orderId)) {
      throw new UpstreamNotFoundError('order', ORDER_MISSING);
    }
    const order = await this.upstream.call<Order>({
      method: 'GET',
      path: resourcePath('order', '/orders/', orderId, ORDER_MISSING),
      // Another order than the one asked for is a bad answer: neither served nor cached under this id.
      expect: expectOwnAnswer(ORDER, (answer) => answer.id === orderId),
      cache: { key: `detail:${encodeURIComponent(userId)}:${encodeURIComponent(orderId)}`, owner: userId },
      ...options,
    });
    if (order.userId !== userId) {
      throw new UpstreamNotFoundError('order', ORDER_MISSING);
    }
    return order;
  }
}
