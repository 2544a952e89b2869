export { CacheInvalidator } from './cache-invalidator.js';
export { cacheKey, normalizeQuery, responseCacheKey } from './cache-keys.js';
export { CachingModule } from './caching.module.js';
export { IdempotentReplay } from './idempotent-replay.js';
export { ResourceCache, type CachedRead, type LoadMode } from './resource-cache.js';
export { CachedResponse, ResponseCache } from './response-cache.js';
