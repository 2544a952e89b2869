export { AdminModule } from './admin.module.js';
export { ServicesAdminController } from './services-admin.controller.js';
export { CacheAdminController } from './cache-admin.controller.js';
export { RateLimitsAdminController } from './rate-limits-admin.controller.js';
