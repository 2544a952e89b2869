import { Injectable } from '@nestjs/common';
import { expectAnswer } from './expected-answer.js';
import { preferencesSchema, type Preferences, type PreferencesPatch } from './models.js';
import { userOwnedCache } from './resource-cache.wrapper.js';
import { resourcePath } from './resource-path.js';
import type { ServiceUpstream } from './service-upstream.js';
import type { CallOptions } from './upstream-call.js';
import { UpstreamRegistry } from './upstream-registry.js';

const PREFERENCES = expectAnswer(preferencesSchema, "The user's preferences");

@Injectable()
export class PreferenceClient {
  private readonly upstream: ServiceUpstream;

  constructor(registry: UpstreamRegistry) {
    this.upstream = registry.for('preference');
  }

  get(userId: string, options: CallOptions = {}): Promise<Preferences> {
    return this.upstream.call<Preferences>({
      method: 'GET',
      path: resourcePath('preference', '/preferences/', userId, PREFERENCES.missing),
      expect: PREFERENCES,
      cache: userOwnedCache(userId),
      ...options,
    });
  }

  /** The resource cache key {@link get} reads, for an answer that looks its sections up with itself. */
  cacheKeyOf(userId: string): string {
    return this.upstream.cacheKeyOf(userOwnedCache(userId).key);
  }

  /** Written once: retried only when the caller gives an idempotency key. */
  update(
    userId: string,
    patch: PreferencesPatch,
    options: CallOptions & { idempotencyKey?: string } = {},
  ): Promise<Preferences> {
    return this.upstream.call<Preferences>({
      method: 'PATCH',
      path: resourcePath('preference', '/preferences/', userId, PREFERENCES.missing),
      body: patch,
      expect: PREFERENCES,
      ...options,
    });
  }
}
