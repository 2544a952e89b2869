import type { IncomingMessage } from 'node:http';
import {
  demoOrderPage,
  demoPreferences,
  demoUser,
  isKnownUserId,
} from '../../apps/demo-services/src/demo-data.js';
import type { MobileProfile } from '../../apps/mobile-bff/src/profile/mobile-profile.js';
import type { FakeBehaviour } from './fake-upstream.js';

/** What `/mobile/profile` serves in place of preferences it could not load. */
export const NEUTRAL_PREFERENCES = { language: 'en', theme: 'system', pushEnabled: false };

export type OptionalProfileSection = 'recentOrders' | 'preferences';
export type FallbackStatus = 'fallback' | 'timeout' | 'error';

function recentOrdersOf(userId: string): MobileProfile['recentOrders'] {
  return demoOrderPage({ userId, limit: 3, position: 0, status: undefined }).items.map((order) => ({
    id: order.id,
    status: order.status,
    total: order.total,
    placedAt: order.createdAt,
    itemCount: order.lines.reduce((sum, line) => sum + line.qty, 0),
  }));
}

/**
 * The whole `/mobile/profile` body the demo data gives `userId`, with the
 * named optional sections replaced by their fallbacks and flagged with the
 * given status. `meta.degraded` is sorted: compare it to {@link readProfile}'s.
 */
export function expectedProfile(
  userId: string,
  degraded: Partial<Record<OptionalProfileSection, FallbackStatus>> = {},
): MobileProfile {
  const user = demoUser(userId);
  const preferences = demoPreferences(userId);
  return {
    user: { id: user.id, name: user.name, avatarUrl: user.avatarUrl, tier: user.tier },
    recentOrders: degraded.recentOrders === undefined ? recentOrdersOf(userId) : [],
    preferences:
      degraded.preferences === undefined
        ? {
            language: preferences.language,
            theme: preferences.theme,
            pushEnabled: preferences.notifications.push,
          }
        : NEUTRAL_PREFERENCES,
    meta: {
      degraded: Object.keys(degraded).sort(),
      sections: {
        user: { status: 'ok' },
        recentOrders: { status: degraded.recentOrders ?? 'ok' },
        preferences: { status: degraded.preferences ?? 'ok' },
      },
    },
  };
}

/**
 * A profile answer's body with `meta.degraded` sorted: the aggregator lists
 * degraded sections in the order they settled, which a fault's timing decides.
 */
export async function readProfile(response: Response): Promise<MobileProfile> {
  const body = (await response.json()) as MobileProfile;
  return { ...body, meta: { ...body.meta, degraded: [...body.meta.degraded].sort() } };
}

/** A fake user service answering `GET /users/{id}` as the demo one does. */
export function demoUserAnswer(request: IncomingMessage): FakeBehaviour {
  const id = decodeURIComponent((request.url ?? '').split('?')[0].replace(/^\/users\//, ''));
  return isKnownUserId(id)
    ? { kind: 'json', body: demoUser(id) }
    : { kind: 'json', status: 404, body: { error: 'user not found' } };
}

/** A fake order service answering `GET /orders?userId=&limit=` (first page only) as the demo one does. */
export function demoOrderPageAnswer(request: IncomingMessage): FakeBehaviour {
  const query = new URL(request.url ?? '/', 'http://fake').searchParams;
  return {
    kind: 'json',
    body: demoOrderPage({
      userId: query.get('userId') ?? '',
      limit: Number(query.get('limit') ?? 20),
      position: 0,
      status: undefined,
    }),
  };
}

/** A fake preference service answering `GET /preferences/{userId}` as the demo one does. */
export function demoPreferencesAnswer(request: IncomingMessage): FakeBehaviour {
  const userId = decodeURIComponent((request.url ?? '').split('?')[0].replace(/^\/preferences\//, ''));
  return { kind: 'json', body: demoPreferences(userId) };
}
