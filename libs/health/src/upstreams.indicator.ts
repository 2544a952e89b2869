import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { ServiceName } from '@app/config';
import { UpstreamRegistry } from '@app/service-clients';

const PROBE_TIMEOUT_MS = 1000;
/** Health is public and unthrottled: probes are shared for this long so polling it cannot multiply upstream traffic. */
const PROBE_REUSE_MS = 2000;

interface ProbeResult {
  instances: number;
  instancesUp: number;
}

/**
 * Reports whether each upstream service answers. An unreachable service is
 * `degraded`, never `down`: the gateway still answers (with fallbacks), and a
 * failing check would make an orchestrator restart every gateway for an
 * outage that is not theirs. Instance hosts are not shown: health is public.
 */
@Injectable()
export class UpstreamsHealthIndicator {
  private readonly recent = new Map<ServiceName, { at: number; result: Promise<ProbeResult> }>();

  constructor(
    private readonly registry: UpstreamRegistry,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(service: ServiceName): Promise<HealthIndicatorResult> {
    const { instances, instancesUp } = await this.probe(service);
    const session = this.indicators.check(`${service}-service`);
    return instancesUp > 0
      ? session.up({ instances, instancesUp })
      : session.degraded({ instances, instancesUp });
  }

  private probe(service: ServiceName): Promise<ProbeResult> {
    const cached = this.recent.get(service);
    if (cached !== undefined && Date.now() - cached.at < PROBE_REUSE_MS) {
      return cached.result;
    }
    const upstream = this.registry.for(service);
    const result = Promise.all(upstream.pool.urls.map((url) => upstream.probe(url, PROBE_TIMEOUT_MS))).then(
      (answers) => ({ instances: answers.length, instancesUp: answers.filter(Boolean).length }),
    );
    this.recent.set(service, { at: Date.now(), result });
    return result;
  }
}
