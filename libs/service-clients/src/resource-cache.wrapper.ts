import type { ServiceConfig } from '@app/config';
import { cacheKey, type ResourceCache } from '@app/caching';
import type { UpstreamWrapper } from './upstream-call.js';

/** Where one user's own resource (their record, their preferences) is cached, and whose data it is. */
export function userOwnedCache(userId: string): { key: string; owner: string } {
  return { key: encodeURIComponent(userId), owner: userId };
}

/** The resource cache's key for a call of `service` that names `key`. */
export function resourceCacheKey(service: ServiceConfig, key: string): string {
  return cacheKey(service.name, key);
}

/**
 * The outermost layer: GETs that name a cache key are answered from the
 * cache when it can, so a hit costs no bulkhead slot, breaker verdict or
 * socket. A background refresh runs without the caller's deadline or
 * signal: it outlives the request that triggered it.
 */
export function withResourceCache(service: ServiceConfig, cache: ResourceCache): UpstreamWrapper {
  return (next) => (request) => {
    if (request.cache === undefined || request.method !== 'GET') {
      return next(request);
    }
    return cache.read({
      key: resourceCacheKey(service, request.cache.key),
      ttlMs: service.cacheTtlMs,
      owner: request.cache.owner,
      onStale: request.onStale,
      signal: request.signal,
      deadlineAt: request.deadlineAt,
      revalidate: request.context?.noCache === true,
      scope: request.context,
      load: (mode) =>
        next(
          mode.kind === 'foreground'
            ? { ...request, signal: mode.signal }
            : { ...request, signal: undefined, deadlineAt: undefined },
        ),
    });
  };
}
