import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { ServiceName } from '@app/config';
import { UpstreamRegistry } from '@app/service-clients';

const PROBE_TIMEOUT_MS = 1000;
/** Health is public and unthrottled: probes are shared for this long so polling it cannot multiply upstream traffic. */
const PROBE_REUSE_MS = 2000;

/**
 * Reports each upstream service: whether its instances answer a probe, its
 * breaker, how many instances are ejected, and the pause a 429 asked for,
 * during which calls fail fast as behind an open breaker. A sick or paused
 * service is `degraded`, never `down`: the gateway still answers (with fallbacks), and a failing
 * check would make an orchestrator restart every gateway for an outage that
 * is not theirs. Instance hosts are not shown: health is public.
 */
@Injectable()
export class UpstreamsHealthIndicator {
  private readonly recent = new Map<ServiceName, { at: number; reachable: Promise<number> }>();

  constructor(
    private readonly registry: UpstreamRegistry,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(service: ServiceName): Promise<HealthIndicatorResult> {
    const snapshot = this.registry.for(service).snapshot();
    const instancesUp = await this.reachableInstances(service);
    const details = {
      breaker: snapshot.breaker,
      instances: snapshot.instances.length,
      instancesUp,
      ejected: snapshot.instances.filter((instance) => instance.ejected).length,
      inFlight: snapshot.inFlight,
      pausedForMs: snapshot.pausedForMs,
    };
    const session = this.indicators.check(`${service}-service`);
    // Half-open: the cool-down is over and the next call goes through, as it would with the breaker closed.
    return instancesUp > 0 && snapshot.breaker !== 'open' && snapshot.pausedForMs === 0
      ? session.up(details)
      : session.degraded(details);
  }

  private reachableInstances(service: ServiceName): Promise<number> {
    const cached = this.recent.get(service);
    if (cached !== undefined && Date.now() - cached.at < PROBE_REUSE_MS) {
      return cached.reachable;
    }
    const upstream = this.registry.for(service);
    const reachable = Promise.all(
      upstream.pool.all().map((instance) => upstream.probe(instance, PROBE_TIMEOUT_MS)),
    ).then((answers) => answers.filter(Boolean).length);
    this.recent.set(service, { at: Date.now(), reachable });
    return reachable;
  }
}
