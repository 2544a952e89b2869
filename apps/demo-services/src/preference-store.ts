import { isKnownUserId } from './demo-ids.js';
import { demoPreferences, type DemoPreferences } from './preference-data.js';
import type { PreferencePatch } from './preference-patch.schema.js';

/** Enough for any benchmark's user population while keeping a long-running demo's memory bounded. */
export const MAX_STORED_PREFERENCES = 100_000;

/**
 * Preference changes, in memory for the life of the process. Users never patched are generated on
 * demand; the map only holds the patched ones, and drops the least recently patched beyond its bound.
 */
export class PreferenceStore {
  private readonly patched = new Map<string, DemoPreferences>();

  constructor(private readonly maxUsers = MAX_STORED_PREFERENCES) {}

  /** The current document, or undefined when the user does not exist. */
  get(userId: string): DemoPreferences | undefined {
    if (!isKnownUserId(userId)) {
      return undefined;
    }
    return this.patched.get(userId) ?? demoPreferences(userId);
  }

  /** The updated document, or undefined when the user does not exist. */
  update(userId: string, patch: PreferencePatch, now: Date): DemoPreferences | undefined {
    const current = this.get(userId);
    if (current === undefined) {
      return undefined;
    }
    const updated: DemoPreferences = {
      userId,
      language: patch.language ?? current.language,
      currency: patch.currency ?? current.currency,
      theme: patch.theme ?? current.theme,
      notifications: {
        email: patch.notifications?.email ?? current.notifications.email,
        push: patch.notifications?.push ?? current.notifications.push,
        sms: patch.notifications?.sms ?? current.notifications.sms,
      },
      marketingOptIn: patch.marketingOptIn ?? current.marketingOptIn,
      updatedAt: now.toISOString(),
    };
    // Delete first so re-inserting moves the user to the newest end of the map's insertion order.
    this.patched.delete(userId);
    this.patched.set(userId, updated);
    if (this.patched.size > this.maxUsers) {
      const oldest = this.patched.keys().next().value;
      if (oldest !== undefined) {
        this.patched.delete(oldest);
      }
    }
    return updated;
  }
}
