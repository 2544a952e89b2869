import type { Preferences } from '@app/service-clients';
import type { WebPreferences } from './web-preferences.js';

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
