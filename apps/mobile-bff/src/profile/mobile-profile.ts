import type { AggregateMeta } from '@app/aggregation';
import type { Money, OrderStatus } from '@app/service-clients';

/** `GET /mobile/profile`: one phone screen in one round trip, nothing the screen does not show. */
export interface MobileProfile {
  user: { id: string; name: string; avatarUrl: string | null; tier: string };
  recentOrders: MobileOrderSummary[];
  preferences: MobilePreferences;
  meta: AggregateMeta;
}

export interface MobileOrderSummary {
  id: string;
  status: OrderStatus;
  total: Money;
  placedAt: string;
  itemCount: number;
}

export interface MobilePreferences {
  language: string;
  theme: string;
  pushEnabled: boolean;
}
