import type { ResourceCache } from '@app/caching';
import type { ServiceConfig, ServiceName } from '@app/config';
import type { Metrics } from '@app/observability';
import type { BulkheadPolicy, CircuitBreakerPolicy } from 'cockatiel';
import { lookup } from 'node:dns/promises';
import { Agent } from './undici-agent.js';
import { attemptOn } from './attempt.js';
import { axiosTransport } from './axios-transport.js';
import { circuitStateName, reportedBreakerState, serviceBreaker, withBreaker } from './breaker.wrapper.js';
import { serviceBulkhead, withBulkhead } from './bulkhead.wrapper.js';
import { withHedging } from './hedge.wrapper.js';
import { InstancePool } from './instance-pool.js';
import { endpointsFor, InstanceResolver } from './instance-resolver.js';
import { LatencyWindow } from './latency-window.js';
import type { OutageSignal } from './outage-signal.js';
import { RetryBudget } from './retry-budget.js';
import { ServicePause } from './service-pause.js';
import { resourceCacheKey, withResourceCache } from './resource-cache.wrapper.js';
import { withRetries } from './retry.wrapper.js';
import { leanAxios, type LeanAxios } from './undici-adapter.js';
import type { UpstreamCall, UpstreamRequest } from './upstream-call.js';
import type { UpstreamInstance } from './upstream-instance.js';

export interface InstanceSnapshot {
  url: string;
  weight: number;
  /** Out of rotation after consecutive failures: this instance's breaker is open. */
  ejected: boolean;
  ejectedForMs: number;
  ejections: number;
  inFlight: number;
  consecutiveFailures: number;
  /** Calls and their error rate over the last 30 s. */
  recentCalls: number;
  recentErrorRate: number;
}

export interface ServiceSnapshot {
  service: ServiceName;
  breaker: string;
  inFlight: number;
  maxInFlight: number;
  retriesInWindow: number;
  /** The service answered 429 with `Retry-After`: calls fail fast for this much longer. */
  pausedForMs: number;
  instances: InstanceSnapshot[];
}

/** Upstream answers larger than this are refused rather than buffered: no contract body comes close. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

function keepAlivePools(service: ServiceConfig): Agent {
  return new Agent({
    connections: service.maxSockets,
    // Closes idle sockets before a typical upstream's keep-alive timeout closes them under us.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 4_000,
  });
}

async function lookupAll(hostname: string): Promise<string[]> {
  return (await lookup(hostname, { all: true })).map((entry) => entry.address);
}

/**
 * Everything the gateway holds for one upstream service: its instances, its
 * keep-alive sockets and its call stack, built one concern per line, each
 * wrapping the call before it.
 */
export class ServiceUpstream {
  readonly pool: InstancePool;
  readonly breaker: CircuitBreakerPolicy;
  readonly bulkhead: BulkheadPolicy;
  readonly retryBudget: RetryBudget;
  readonly pause: ServicePause;
  readonly latencies = new LatencyWindow();
  private readonly resolver: InstanceResolver;
  private readonly pools: Agent;
  private readonly http: LeanAxios;
  private readonly stack: UpstreamCall;

  constructor(
    readonly config: ServiceConfig,
    outageSignal: OutageSignal,
    resourceCache: ResourceCache,
    metrics: Metrics,
  ) {
    this.pool = new InstancePool(config.name, endpointsFor(config.instances, new Map()), config.ejection);
    this.resolver = new InstanceResolver(
      config.name,
      config.instances,
      (endpoints) => this.pool.replaceEndpoints(endpoints),
      lookupAll,
    );
    this.pools = keepAlivePools(config);
    this.http = leanAxios(this.pools, MAX_BODY_BYTES);
    this.breaker = serviceBreaker(config, outageSignal, metrics);
    this.bulkhead = serviceBulkhead(config);
    this.pause = new ServicePause(config.ejection.maxMs);
    this.retryBudget = new RetryBudget({
      ratio: config.retry.budgetRatio,
      windowMs: config.retry.budgetWindowMs,
      minRetries: config.retry.budgetMinRetries,
    });

    const attempt = attemptOn(
      config.name,
      this.pool,
      axiosTransport(config, this.http),
      this.latencies,
      metrics,
    );
    const hedged = withHedging(config.hedge, this.latencies, this.retryBudget, (picked) =>
      this.pool.hasOtherThan(picked),
    )(attempt);
    const retried = withRetries(config.retry, this.retryBudget, (tried) => this.pool.hasOtherThan(tried))(
      hedged,
    );
    const guarded = withBreaker(config, this.breaker, this.pause, metrics)(retried);
    const bounded = withBulkhead(config, this.bulkhead, metrics)(guarded);
    this.stack = withResourceCache(config, resourceCache)(bounded);
  }

  /** The resource cache's key for a call of this service that names `key`, as its cache layer files it. */
  cacheKeyOf(key: string): string {
    return resourceCacheKey(this.config, key);
  }

  /** Resolves instance host names before the first call, then keeps them fresh. */
  start(): Promise<void> {
    return this.resolver.start(this.config.dnsRefreshMs);
  }

  /** What an operator needs to see of this service right now. */
  snapshot(): ServiceSnapshot {
    const now = Date.now();
    return {
      service: this.config.name,
      breaker: circuitStateName(reportedBreakerState(this.breaker)),
      inFlight: this.pool.all().reduce((total, instance) => total + instance.inFlight, 0),
      maxInFlight: this.config.maxInFlight,
      retriesInWindow: this.retryBudget.retriesInWindow(),
      pausedForMs: this.pause.msLeft(),
      instances: this.pool.all().map((instance) => {
        const { successes, failures } = instance.recent.totals();
        return {
          url: instance.endpoint.url,
          weight: instance.endpoint.weight,
          ejected: instance.isEjected(),
          ejectedForMs: Math.max(0, instance.ejectedUntil - now),
          ejections: instance.ejections,
          inFlight: instance.inFlight,
          consecutiveFailures: instance.consecutiveFailures,
          recentCalls: successes + failures,
          recentErrorRate: Number(instance.recent.errorRate().toFixed(3)),
        };
      }),
    };
  }

  call<T>(request: UpstreamRequest): Promise<T> {
    return this.stack(request) as Promise<T>;
  }

  /**
   * Whether one instance answers, for the health report only: bypasses
   * every wrapper of the call stack. It asks the service's health path
   * (`/health` by default), which the upstream contract does not promise:
   * any answer below 500, a 404 included, shows a server that is up, and
   * a 5xx or no answer one that is not.
   */
  async probe(instance: UpstreamInstance, timeoutMs: number): Promise<boolean> {
    const { url, hostHeader } = instance.endpoint;
    try {
      const response = await this.http.client.get(`${url}${this.config.healthPath}`, {
        adapter: this.http.adapter,
        timeout: timeoutMs,
        headers: hostHeader === undefined ? {} : { host: hostHeader },
        validateStatus: null,
      });
      return response.status < 500;
    } catch {
      return false;
    }
  }

  close(): void {
    this.resolver.stop();
    void this.pools.destroy();
  }
}
