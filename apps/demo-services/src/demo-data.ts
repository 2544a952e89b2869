/**
 * The demo data set: every well-formed user id exists, except the `missing` ones, and its data is
 * derived from the id alone, so tests compute expected bodies with these pure functions instead of
 * seeding anything.
 */
export { MISSING_USER_PREFIX, USER_ID_PATTERN, isKnownUserId } from './demo-ids.js';
export { DEMO_NOW_MS } from './demo-time.js';
export { demoOrderPage, type OrderPage, type OrderPageQuery } from './order-page.js';
export {
  ORDER_STATUSES,
  demoOrder,
  demoOrderCount,
  demoOrders,
  parseDemoOrderId,
  type DemoOrder,
  type DemoOrderLine,
  type OrderStatus,
} from './order-data.js';
export {
  demoPreferences,
  THEMES,
  type DemoPreferences,
  type NotificationChannels,
  type Theme,
} from './preference-data.js';
export type { Money } from './product-catalogue.js';
export { USER_TIERS, demoUser, type DemoUser, type UserTier } from './user-data.js';

// Found by running the generator over u1..u10: u5 has no orders, u8 has 372, u1 has 5 and u3 has 20.
export const DEMO_USER_WITHOUT_ORDERS = 'u5';
export const DEMO_USER_WITH_MANY_ORDERS = 'u8';
/** Never exists: the user, order and preference routes answer 404, the order list an empty page. */
export const DEMO_MISSING_USER = 'missing-1';
