import type { Money, OrderStatus } from '@app/service-clients';
import type { MobileOrderSummary } from '../profile/mobile-profile.js';

/** `GET /mobile/orders`: the order history screen, one page at a time. */
export interface MobileOrderPage {
  items: MobileOrderSummary[];
  nextCursor: string | null;
}

/** `GET /mobile/orders/:id`: what the order screen of the phone shows. */
export interface MobileOrderDetail {
  id: string;
  status: OrderStatus;
  total: Money;
  placedAt: string;
  items: Array<{ name: string; qty: number; price: Money }>;
}
