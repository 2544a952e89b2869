import type { AggregateMeta } from '@app/aggregation';
import {
  lineTotal,
  type Order,
  type OrderSummary,
  type OrderSummaryPage,
  type User,
} from '@app/service-clients';
import type { WebOrderDetail, WebOrderPage, WebOrderSummary } from './web-orders.js';

export function toWebOrderSummary(order: OrderSummary): WebOrderSummary {
  return {
    id: order.id,
    status: order.status,
    total: { amount: order.total.amount, currency: order.total.currency },
    placedAt: order.createdAt,
    itemCount: order.itemCount,
    lineCount: order.lineCount,
  };
}

export function toWebOrderPage(page: OrderSummaryPage): WebOrderPage {
  return { items: page.items.map(toWebOrderSummary), nextCursor: page.nextCursor };
}

export function toWebOrderDetail(order: Order, customer: User | null, meta: AggregateMeta): WebOrderDetail {
  return {
    id: order.id,
    status: order.status,
    total: { amount: order.total.amount, currency: order.total.currency },
    placedAt: order.createdAt,
    lines: order.lines.map((line) => ({
      sku: line.sku,
      name: line.name,
      qty: line.qty,
      unitPrice: { amount: line.unitPrice.amount, currency: line.unitPrice.currency },
      lineTotal: lineTotal(line),
    })),
    customer:
      customer === null
        ? null
        : { id: customer.id, name: customer.name, email: customer.email, tier: customer.tier },
    meta,
  };
}
