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

/** A caller's counters and limits in each window, read without spending anything. */
export class RateLimitInspector {
  constructor(
    private readonly policy: RateLimitPolicy,
    private readonly store: GatewayRateLimitStore,
  ) {}

  async inspect(key: string): Promise<WindowStanding[]> {
    const tier = this.policy.tierOfKey(key);
    return Promise.all(
      WINDOW_NAMES.map(async (name) => {
        const limit = this.policy.limit(name, tier);
        const counter = await this.store.peek(rateLimitKey(this.policy.app, name, key));
        const used = counter?.hits ?? 0;
        return {
          name,
          limit,
          windowMs: this.policy.windowMs(name),
          used,
          remaining: Math.max(0, limit - used),
          resetInMs: counter?.resetInMs ?? 0,
          blocked: counter?.blocked ?? false,
          blockedForMs: counter?.blockedForMs ?? 0,
        };
      }),
    );
  }
}
