import { Injectable } from '@nestjs/common';
import { normalizeQuery } from '@app/caching';
import { orderPageSchema, orderSchema, type Order, type OrderPage, type OrderQuery } from './models.js';
import { resourcePath } from './resource-path.js';
import type { ServiceUpstream } from './service-upstream.js';
import type { CallOptions } from './upstream-call.js';
import { UpstreamRegistry } from './upstream-registry.js';

const ORDER = { schema: orderSchema, missing: 'The order' };
const ORDER_PAGE = { schema: orderPageSchema, missing: 'The order list' };

@Injectable()
export class OrderClient {
  private readonly upstream: ServiceUpstream;

  constructor(registry: UpstreamRegistry) {
    this.upstream = registry.for('order');
  }

  /** A page of the user's orders, newest first. */
  list(query: OrderQuery, options: CallOptions = {}): Promise<OrderPage> {
    return this.upstream.call<OrderPage>({
      method: 'GET',
      path: '/orders',
      query: { userId: query.userId, limit: query.limit, cursor: query.cursor, status: query.status },
      expect: ORDER_PAGE,
      cache: {
        key: `${encodeURIComponent(query.userId)}:${normalizeQuery({ limit: query.limit, cursor: query.cursor, status: query.status })}`,
        owner: query.userId,
      },
      ...options,
    });
  }

  get(orderId: string, options: CallOptions = {}): Promise<Order> {
    return this.upstream.call<Order>({
      method: 'GET',
      path: resourcePath('order', '/orders/', orderId, ORDER.missing),
      expect: ORDER,
      cache: { key: `detail:${encodeURIComponent(orderId)}` },
      ...options,
    });
  }
}
