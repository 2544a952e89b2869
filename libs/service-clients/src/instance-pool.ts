import type { EjectionConfig, ServiceName } from '@app/config';
import { Logger } from '@nestjs/common';
import { UpstreamInstance, type Endpoint } from './upstream-instance.js';
import { pauseMs } from './service-pause.js';

/**
 * The instances of one service and the choice of the next one: smooth
 * weighted round robin (nginx's) over the instances in rotation, staying
 * away from the ones a retry already tried, and never ejecting the last
 * instance in rotation (a gateway with no instance left fails every call).
 */
export class InstancePool {
  private readonly logger = new Logger(InstancePool.name);
  private instances: UpstreamInstance[];

  constructor(
    private readonly service: ServiceName,
    endpoints: Endpoint[],
    private readonly ejection: EjectionConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.instances = endpoints.map((endpoint) => new UpstreamInstance(endpoint, ejection, now));
  }

  /** The longest the gateway stays away from a service or instance that asked for a pause (EJECTION_MAX_MS). */
  get maxPauseMs(): number {
    return this.ejection.maxMs;
  }

  all(): readonly UpstreamInstance[] {
    return this.instances;
  }

  pick(avoid?: ReadonlySet<string>): UpstreamInstance {
    const inRotation = this.instances.filter((instance) => !instance.isEjected());
    const fresh = avoid === undefined ? inRotation : inRotation.filter((instance) => !avoid.has(instance.id));
    const candidates = fresh.length > 0 ? fresh : inRotation.length > 0 ? inRotation : this.soonestBack();
    return smoothWeightedPick(candidates);
  }

  /** Whether an instance in rotation is left that is none of `picked`. */
  hasOtherThan(picked: ReadonlySet<string>): boolean {
    return this.instances.some((instance) => !instance.isEjected() && !picked.has(instance.id));
  }

  recordSuccess(instance: UpstreamInstance): void {
    instance.recordSuccess();
  }

  recordFailure(instance: UpstreamInstance): void {
    if (instance.recordFailure(this.othersInRotation(instance))) {
      this.logger.warn(
        `${this.service} service instance ${instance.id} ejected for ${instance.ejectedUntil - this.now()} ms after consecutive failures`,
      );
    }
  }

  /**
   * Takes the instance out of the rotation for the `seconds` it asked for,
   * at most the longest ejection (a wrong or hostile header does not remove
   * it for a day), when another instance can take its calls. Returns
   * whether it did: only then may the call go again, elsewhere.
   */
  setAside(instance: UpstreamInstance, seconds: number): boolean {
    if (!this.othersInRotation(instance)) {
      return false;
    }
    const ms = pauseMs(seconds, this.ejection.maxMs);
    instance.setAside(ms);
    this.logger.log(
      `${this.service} service instance ${instance.id} asked for a pause: out of rotation for ${ms} ms`,
    );
    return true;
  }

  private othersInRotation(instance: UpstreamInstance): boolean {
    return this.instances.some((other) => other !== instance && !other.isEjected());
  }

  /** Takes a new set of endpoints (host names resolved again), keeping what was learnt of the ones still there. */
  replaceEndpoints(endpoints: Endpoint[]): void {
    const known = new Map(this.instances.map((instance) => [instance.id, instance]));
    this.instances = endpoints.map((endpoint) => {
      const existing = known.get(endpoint.id);
      if (existing === undefined) {
        return new UpstreamInstance(endpoint, this.ejection, this.now);
      }
      existing.endpoint = endpoint;
      return existing;
    });
  }

  /** With every instance ejected, the one due back first is the best bet. */
  private soonestBack(): UpstreamInstance[] {
    const soonest = this.instances.reduce((best, instance) =>
      instance.ejectedUntil < best.ejectedUntil ? instance : best,
    );
    return [soonest];
  }
}

/**
 * nginx's smooth weighted round robin: each pick adds every candidate's
 * weight to its running score, takes the highest and subtracts the total, so
 * weights 5:1:1 give a a b a c a a rather than a a a a a b c.
 */
export function smoothWeightedPick(candidates: readonly UpstreamInstance[]): UpstreamInstance {
  let best = candidates[0];
  let total = 0;
  for (const candidate of candidates) {
    candidate.currentWeight += candidate.endpoint.weight;
    total += candidate.endpoint.weight;
    if (candidate.currentWeight > best.currentWeight) {
      best = candidate;
    }
  }
  best.currentWeight -= total;
  return best;
}
