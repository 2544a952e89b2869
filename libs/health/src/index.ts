export { HealthController } from './health.controller.js';
export { HealthModule } from './health.module.js';
export { UpstreamsHealthIndicator } from './upstreams.indicator.js';
export { RedisHealthIndicator } from './redis.indicator.js';
