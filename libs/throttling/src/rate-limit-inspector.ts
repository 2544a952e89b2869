import type { GatewayRateLimitStore } from './gateway-rate-limit.store.js';
import { rateLimitKey, WINDOW_NAMES, type RateLimitPolicy, type WindowName } from './rate-limit-policy.js';

export interface WindowStanding {
  name: WindowName;
  limit: number;
  windowMs: number;
  used: number;
  remaining: number;
  resetInMs: number;
  blocked: boolean;
  blockedForMs: number;
}

/**
 * A caller's standing, and how far to trust it: `enforced` is false when
 * THROTTLE_ENABLED is off (nothing is counted or refused), and `countedBy`
 * says whether the counters are every instance's (Redis) or this
 * instance's alone (no Redis, or Redis not answering).
 */
export interface CallerStanding {
  enforced: boolean;
  countedBy: 'every-instance' | 'this-instance';
  windows: WindowStanding[];
}

/** A caller's counters and limits in each window, read without spending anything. */
export class RateLimitInspector {
  constructor(
    private readonly policy: RateLimitPolicy,
    private readonly store: GatewayRateLimitStore,
  ) {}

  async inspect(key: string): Promise<CallerStanding> {
    const tier = this.policy.tierOfKey(key);
    const windows = await Promise.all(
      WINDOW_NAMES.map(async (name) => {
        const limit = this.policy.limit(name, tier);
        const { counter, shared } = await this.store.peekCounted(rateLimitKey(this.policy.app, name, key));
        const used = counter?.hits ?? 0;
        const standing: WindowStanding = {
          name,
          limit,
          windowMs: this.policy.windowMs(name),
          used,
          remaining: Math.max(0, limit - used),
          resetInMs: counter?.resetInMs ?? 0,
          blocked: counter?.blocked ?? false,
          blockedForMs: counter?.blockedForMs ?? 0,
        };
        return { standing, shared };
      }),
    );
    return {
      enforced: this.policy.enforced,
      countedBy: windows.every(({ shared }) => shared) ? 'every-instance' : 'this-instance',
      windows: windows.map(({ standing }) => standing),
    };
  }
}
