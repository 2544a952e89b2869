export { GatewayRateLimitStore } from './gateway-rate-limit.store.js';
export { GatewayThrottlerGuard } from './gateway-throttler.guard.js';
export type { RateCounter } from './rate-counter.js';
export { rateLimitHeaders, type ThrottlerOutcome } from './rate-limit-headers.js';
export { RateLimitInspector, type CallerStanding, type WindowStanding } from './rate-limit-inspector.js';
export { ThrottleCost } from './throttle-cost.decorator.js';
export { ThrottlingModule } from './throttling.module.js';
export { trackerFor } from './tracker.js';
