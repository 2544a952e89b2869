import type { Preferences } from '@app/service-clients';

/** The preferences as the web app edits them: everything but the owner's id, which the caller already is. */
export type WebPreferences = Omit<Preferences, 'userId'>;

export function toWebPreferences(preferences: Preferences): WebPreferences {
  return {
    language: preferences.language,
    currency: preferences.currency,
    theme: preferences.theme,
    notifications: { ...preferences.notifications },
    marketingOptIn: preferences.marketingOptIn,
    updatedAt: preferences.updatedAt,
  };
}
