import type { ServiceConfig } from '@app/config';
import type { ResourceCache } from '@app/caching';
import type { UpstreamWrapper } from './upstream-call.js';

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
      // One flat string: the memory cache keeps every key as long as its entry, and a template literal's tree of concatenations weighs about twice as much.
      key: [service.name, request.cache.key].join(':'),
      ttlMs: service.cacheTtlMs,
      owner: request.cache.owner,
      onStale: request.onStale,
      signal: request.signal,
      revalidate: request.context?.noCache === true,
      load: (mode) =>
        next(
          mode.kind === 'foreground'
            ? { ...request, signal: mode.signal }
            : { ...request, signal: undefined, deadlineAt: undefined },
        ),
    });
  };
}
