import { Injectable } from '@nestjs/common';
import { orderPageSchema, orderSchema, type Order, type OrderPage, type OrderQuery } from './models.js';
import { readAnswer } from './read-answer.js';
import { resourcePath } from './resource-path.js';
import type { ServiceUpstream } from './service-upstream.js';
import type { CallOptions } from './upstream-call.js';
import { UpstreamRegistry } from './upstream-registry.js';

@Injectable()
export class OrderClient {
  private readonly upstream: ServiceUpstream;

  constructor(registry: UpstreamRegistry) {
    this.upstream = registry.for('order');
  }

  /** A page of the user's orders, newest first. */
  async list(query: OrderQuery, options: CallOptions = {}): Promise<OrderPage> {
    const response = await this.upstream.call({
      method: 'GET',
      path: '/orders',
      query: { userId: query.userId, limit: query.limit, cursor: query.cursor, status: query.status },
      ...options,
    });
    return readAnswer('order', response, orderPageSchema, 'The order list');
  }

  async get(orderId: string, options: CallOptions = {}): Promise<Order> {
    const response = await this.upstream.call({
      method: 'GET',
      path: resourcePath('order', '/orders/', orderId, 'The order'),
      ...options,
    });
    return readAnswer('order', response, orderSchema, 'The order');
  }
}
