export {
  EMPTY_ORDER_PAGE,
  lineTotal,
  moneySchema,
  ORDER_CURSOR_PATTERN,
  ORDER_STATUSES,
  orderPageSchema,
  toOrderSummary,
  toOrderSummaryPage,
  type Money,
  type Order,
  type OrderLine,
  type OrderPage,
  type OrderQuery,
  type OrderStatus,
  type OrderSummary,
  type OrderSummaryPage,
  type Preferences,
  type PreferencesPatch,
  type User,
} from './models.js';
export { expectAnswer, withStatus, type WithStatus } from './expected-answer.js';
export { OrderClient } from './order.client.js';
export { PreferenceClient } from './preference.client.js';
export { ServiceClientsModule } from './service-clients.module.js';
export { ServiceUpstream, type InstanceSnapshot, type ServiceSnapshot } from './service-upstream.js';
export type { CallOptions } from './upstream-call.js';
export {
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamNotFoundError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './upstream.error.js';
export { UpstreamRegistry } from './upstream-registry.js';
export { UserClient } from './user.client.js';
export { writeMayHaveLanded } from './write-outcome.js';
export {
  LocalOutageSignal,
  RedisOutageSignal,
  type OutageSignal,
  type RedisOutageSignalOptions,
} from './outage-signal.js';
