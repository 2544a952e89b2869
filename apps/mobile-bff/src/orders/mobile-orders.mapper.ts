import { lineTotal, type Order, type OrderSummaryPage } from '@app/service-clients';
import { toMobileOrderSummary } from '../profile/mobile-profile.mapper.js';
import type { MobileOrderDetail, MobileOrderPage } from './mobile-orders.js';

/** A phone screen's worth of history per page. */
export const MOBILE_PAGE_SIZE = 10;

export function toMobileOrderPage(page: OrderSummaryPage): MobileOrderPage {
  return { items: page.items.map(toMobileOrderSummary), nextCursor: page.nextCursor };
}

export function toMobileOrderDetail(order: Order): MobileOrderDetail {
  return {
    id: order.id,
    status: order.status,
    total: { amount: order.total.amount, currency: order.total.currency },
    placedAt: order.createdAt,
    items: order.lines.map((line) => ({
      name: line.name,
      qty: line.qty,
      price: lineTotal(line),
    })),
  };
}
