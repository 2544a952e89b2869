import type { AggregateMeta } from '@app/aggregation';
import type { Money, OrderStatus } from '@app/service-clients';

/** One row of the web order list. */
export interface WebOrderSummary {
  id: string;
  status: OrderStatus;
  total: Money;
  placedAt: string;
  itemCount: number;
  lineCount: number;
}

export interface WebOrderPage {
  items: WebOrderSummary[];
  nextCursor: string | null;
}

/** `GET /web/orders/:id`: the order with its lines and who placed it. */
export interface WebOrderDetail {
  id: string;
  status: OrderStatus;
  total: Money;
  placedAt: string;
  lines: Array<{ sku: string; name: string; qty: number; unitPrice: Money; lineTotal: Money }>;
  /** Null while the user service is unavailable. */
  customer: { id: string; name: string; email: string; tier: string } | null;
  meta: AggregateMeta;
}
