import type { InstanceConfig, ServiceName } from '@app/config';
import { Logger } from '@nestjs/common';
import { isIP } from 'node:net';
import type { Endpoint } from './upstream-instance.js';

export type LookupAll = (hostname: string) => Promise<string[]>;

/** Names worth resolving again: plain-HTTP host names other than localhost (an IP or localhost never changes its answer). */
function resolvableHost(url: URL): boolean {
  return (
    url.protocol === 'http:' &&
    isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0 &&
    url.hostname !== 'localhost'
  );
}

/**
 * The endpoints for a service's configured instances: one per resolved
 * address of a host name (each with its own keep-alive pool, so a headless
 * Kubernetes service spreads calls over its pods), the configured URL itself
 * for anything else or while a name has not resolved. HTTPS keeps its host
 * name, which its certificate needs.
 */
export function endpointsFor(
  instances: readonly InstanceConfig[],
  addresses: ReadonlyMap<string, string[]>,
): Endpoint[] {
  return instances.flatMap((instance): Endpoint[] => {
    const url = new URL(instance.url);
    const resolved = resolvableHost(url) ? addresses.get(url.hostname) : undefined;
    if (resolved === undefined || resolved.length === 0) {
      return [{ id: instance.url, url: instance.url, hostHeader: undefined, weight: instance.weight }];
    }
    return resolved.map((address) => {
      const target = new URL(instance.url);
      target.hostname = isIP(address) === 6 ? `[${address}]` : address;
      const id = target.toString().replace(/\/+$/, '');
      return { id, url: id, hostHeader: url.host, weight: instance.weight };
    });
  });
}

/**
 * Resolves a service's host names now and again, and hands the pool the new
 * endpoints. A failed lookup keeps the last answer: DNS trouble must not
 * take away instances that still work.
 */
export class InstanceResolver {
  private readonly logger = new Logger(InstanceResolver.name);
  private readonly addresses = new Map<string, string[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly service: ServiceName,
    private readonly instances: readonly InstanceConfig[],
    private readonly apply: (endpoints: Endpoint[]) => void,
    private readonly lookup: LookupAll,
  ) {}

  get hostnames(): string[] {
    return [
      ...new Set(
        this.instances
          .map((instance) => new URL(instance.url))
          .filter(resolvableHost)
          .map((url) => url.hostname),
      ),
    ];
  }

  /** Resolves once, then every `refreshMs` (0: never again). */
  async start(refreshMs: number): Promise<void> {
    if (this.hostnames.length === 0) {
      return;
    }
    await this.refresh();
    if (refreshMs > 0) {
      this.timer = setInterval(() => void this.refresh(), refreshMs);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    await Promise.all(
      this.hostnames.map(async (hostname) => {
        try {
          const found = [...new Set(await this.lookup(hostname))].sort();
          if (found.length > 0) {
            this.addresses.set(hostname, found);
          }
        } catch (error) {
          this.logger.warn(
            `${this.service} service: resolving an instance host failed, keeping the last answer: ${String(error)}`,
          );
        }
      }),
    );
    this.apply(endpointsFor(this.instances, this.addresses));
  }
}
