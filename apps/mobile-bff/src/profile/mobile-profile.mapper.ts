import { renameSections, type AggregateMeta } from '@app/aggregation';
import type { OrderSummary, OrderSummaryPage, Preferences, User } from '@app/service-clients';
import type { MobileOrderSummary, MobilePreferences, MobileProfile } from './mobile-profile.js';
import type { MobileProfileV2 } from './mobile-profile-v2.js';

export const RECENT_ORDER_COUNT = 3;

/** What the app shows while the preference service is unavailable: neutral choices, and no promise of push. */
export const DEFAULT_MOBILE_PREFERENCES: MobilePreferences = {
  language: 'en',
  theme: 'system',
  pushEnabled: false,
};

export interface ProfileSections {
  user: User;
  recentOrders: OrderSummaryPage;
  preferences: Preferences | null;
}

export function toMobileOrderSummary(order: OrderSummary): MobileOrderSummary {
  return {
    id: order.id,
    status: order.status,
    total: { amount: order.total.amount, currency: order.total.currency },
    placedAt: order.createdAt,
    itemCount: order.itemCount,
  };
}

export function toMobilePreferences(preferences: Preferences | null): MobilePreferences {
  if (preferences === null) {
    return DEFAULT_MOBILE_PREFERENCES;
  }
  return {
    language: preferences.language,
    theme: preferences.theme,
    pushEnabled: preferences.notifications.push,
  };
}

/**
 * The newest orders of a page, newest first, whatever order the order
 * service sent them in: its contract says newest first, and "3 newest" on
 * a phone's screen should not depend on it keeping its word. A copy: the
 * page may be a cached entry, shared and never changed.
 */
export function newestOrders<T extends { createdAt: string }>(items: readonly T[], count: number): T[] {
  const at = (item: T): number => {
    const time = Date.parse(item.createdAt);
    return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
  };
  return [...items].sort((a, b) => at(b) - at(a)).slice(0, count);
}

export function toMobileProfile({
  values,
  meta,
}: {
  values: ProfileSections;
  meta: AggregateMeta;
}): MobileProfile {
  const { user, recentOrders, preferences } = values;
  return {
    user: { id: user.id, name: user.name, avatarUrl: user.avatarUrl, tier: user.tier },
    recentOrders: newestOrders(recentOrders.items, RECENT_ORDER_COUNT).map(toMobileOrderSummary),
    preferences: toMobilePreferences(preferences),
    meta,
  };
}

/** Neutral switches while the preference service is unavailable: nothing is promised on. */
const DEFAULT_NOTIFICATIONS = { push: false, email: false, sms: false };

/** Version 2's top-level fields for the sections: its `meta` names them so. */
const V2_SECTION_NAMES = { recentOrders: 'orders', preferences: 'settings' };

export function toMobileProfileV2({
  values,
  meta,
}: {
  values: ProfileSections;
  meta: AggregateMeta;
}): MobileProfileV2 {
  const { user, recentOrders, preferences } = values;
  const shown = newestOrders(recentOrders.items, RECENT_ORDER_COUNT);
  return {
    user: { id: user.id, displayName: user.name, avatarUrl: user.avatarUrl, tier: user.tier },
    orders: {
      recent: shown.map(toMobileOrderSummary),
      hasMore: recentOrders.nextCursor !== null || recentOrders.items.length > shown.length,
    },
    settings: {
      language: preferences?.language ?? DEFAULT_MOBILE_PREFERENCES.language,
      theme: preferences?.theme ?? DEFAULT_MOBILE_PREFERENCES.theme,
      notifications: preferences === null ? DEFAULT_NOTIFICATIONS : { ...preferences.notifications },
    },
    meta: renameSections(meta, V2_SECTION_NAMES),
  };
}
