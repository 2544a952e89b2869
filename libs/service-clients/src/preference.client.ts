import { Injectable } from '@nestjs/common';
import { ProblemError } from '@app/problem';
import { expectAnswer, expectOwnAnswer, type ExpectedAnswer } from './expected-answer.js';
import { preferencesSchema, type Preferences, type PreferencesPatch } from './models.js';
import { userOwnedCache } from './resource-cache.wrapper.js';
import { resourcePath } from './resource-path.js';
import type { ServiceUpstream } from './service-upstream.js';
import type { CallOptions } from './upstream-call.js';
import { UpstreamBadResponseError } from './upstream.error.js';
import { UpstreamRegistry } from './upstream-registry.js';

const PREFERENCES_MISSING = "The user's preference record";
const PREFERENCES = expectAnswer(preferencesSchema, PREFERENCES_MISSING);

/** `userId`'s preferences: a record of anybody else's is refused. */
function preferencesOf(userId: string): ExpectedAnswer<Preferences> {
  return expectOwnAnswer(PREFERENCES, (preferences) => preferences.userId === userId);
}

/**
 * The patch is the caller's, and the preference service has the last word
 * on what it accepts: its 400 or 422 to one that passed the gateway's own
 * checks is the caller's change refused, not a bad answer from the service.
 * Its reasons are not passed on: the gateway reads no upstream body but a
 * 2xx one, and a service's words are not the API's.
 */
function refusedChange(error: unknown): unknown {
  if (!(error instanceof UpstreamBadResponseError)) {
    return error;
  }
  if (error.upstreamStatus === 400 || error.upstreamStatus === 422) {
    return new ProblemError('unprocessable', 'The preference service did not accept this change.', {
      cause: error,
    });
  }
  // Its own Idempotency-Key reused for another change, or a change made meanwhile: the caller's to resolve.
  if (error.upstreamStatus === 409) {
    return new ProblemError(
      'conflict',
      'The preference service refused this change as conflicting with another; read the preferences and try again.',
      { cause: error },
    );
  }
  return error;
}

@Injectable()
export class PreferenceClient {
  private readonly upstream: ServiceUpstream;

  constructor(registry: UpstreamRegistry) {
    this.upstream = registry.for('preference');
  }

  get(userId: string, options: CallOptions = {}): Promise<Preferences> {
    return this.upstream.call<Preferences>({
      method: 'GET',
      path: resourcePath('preference', '/preferences/', userId, PREFERENCES_MISSING),
      expect: preferencesOf(userId),
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
    return this.upstream
      .call<Preferences>({
        method: 'PATCH',
        path: resourcePath('preference', '/preferences/', userId, PREFERENCES_MISSING),
        body: patch,
        expect: preferencesOf(userId),
        ...options,
      })
      .catch((error: unknown) => {
        throw refusedChange(error);
      });
  }
}
