import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, SERVICE_NAMES, type AppConfig, type ServiceName } from '@app/config';
import { ServiceUpstream } from './service-upstream.js';

/** One {@link ServiceUpstream} per configured service, shared by the typed clients and the health report. */
@Injectable()
export class UpstreamRegistry implements OnApplicationShutdown {
  private readonly upstreams: Map<ServiceName, ServiceUpstream>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.upstreams = new Map(SERVICE_NAMES.map((name) => [name, new ServiceUpstream(config.services[name])]));
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

  onApplicationShutdown(): void {
    for (const upstream of this.upstreams.values()) {
      upstream.close();
    }
  }
}
