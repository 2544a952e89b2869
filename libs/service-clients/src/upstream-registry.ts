import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ResourceCache } from '@app/caching';
import { APP_CONFIG, SERVICE_NAMES, type AppConfig, type ServiceName } from '@app/config';
import { Metrics } from '@app/observability';
import { LocalOutageSignal, RedisOutageSignal, type OutageSignal } from './outage-signal.js';
import { ServiceUpstream } from './service-upstream.js';

function outageSignalFor(config: AppConfig): OutageSignal {
  if (config.redisUrl === undefined) {
    return new LocalOutageSignal();
  }
  return new RedisOutageSignal({
    redisUrl: config.redisUrl,
    keyPrefix: config.redisKeyPrefix,
    suspectForMs: {
      user: config.services.user.breaker.suspectForMs,
      order: config.services.order.breaker.suspectForMs,
      preference: config.services.preference.breaker.suspectForMs,
    },
  });
}

/** One {@link ServiceUpstream} per configured service, shared by the typed clients, health and the admin view. */
@Injectable()
export class UpstreamRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly upstreams: Map<ServiceName, ServiceUpstream>;
  private readonly outageSignal: OutageSignal;

  constructor(@Inject(APP_CONFIG) config: AppConfig, resourceCache: ResourceCache, metrics: Metrics) {
    this.outageSignal = outageSignalFor(config);
    this.upstreams = new Map(
      SERVICE_NAMES.map((name) => [
        name,
        new ServiceUpstream(config.services[name], this.outageSignal, resourceCache, metrics),
      ]),
    );
  }

  async onModuleInit(): Promise<void> {
    await Promise.all(this.all().map((upstream) => upstream.start()));
  }

  for(name: ServiceName): ServiceUpstream {
    const upstream = this.upstreams.get(name);
    if (upstream === undefined) {
      throw new Error(`no upstream configured for ${name}`);
    }
    return upstream;
  }

  all(): ServiceUpstream[] {
    return [...this.upstreams.values()];
  }

  async onApplicationShutdown(): Promise<void> {
    for (const upstream of this.upstreams.values()) {
      upstream.close();
    }
    await this.outageSignal.close();
  }
}
