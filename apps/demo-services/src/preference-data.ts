import { assertKnownUserId } from './demo-ids.js';
import { DEMO_NOW_MS, SECOND_MS } from './demo-time.js';
import type { DemoCurrency } from './product-catalogue.js';
import { intBetween, seededRandom, weighted } from './prng.js';
import { userSignupMs } from './user-data.js';

export const THEMES = ['light', 'dark', 'system'] as const;
export type Theme = (typeof THEMES)[number];

export interface NotificationChannels {
  email: boolean;
  push: boolean;
  sms: boolean;
}

export interface DemoPreferences {
  userId: string;
  language: string;
  currency: string;
  theme: Theme;
  notifications: NotificationChannels;
  marketingOptIn: boolean;
  updatedAt: string;
}

export interface DemoLocale {
  language: string;
  currency: DemoCurrency;
}

// Language and currency come in pairs that occur together, so a user's orders and settings look plausible.
const LOCALES: readonly (readonly [DemoLocale, number])[] = [
  [{ language: 'en', currency: 'USD' }, 28],
  [{ language: 'en', currency: 'GBP' }, 12],
  [{ language: 'fr', currency: 'EUR' }, 12],
  [{ language: 'de', currency: 'EUR' }, 14],
  [{ language: 'es', currency: 'EUR' }, 10],
  [{ language: 'pt-BR', currency: 'BRL' }, 12],
  [{ language: 'ja', currency: 'JPY' }, 12],
];

const THEME_WEIGHTS = [
  ['system', 50],
  ['light', 25],
  ['dark', 25],
] as const;

/** The user's default language and currency; orders are priced in this currency whatever a PATCH sets later. */
export function demoLocale(userId: string): DemoLocale {
  return weighted(seededRandom(userId, 'locale'), LOCALES);
}

/** The preferences a user starts with, before any PATCH; throws a RangeError for ids that name no user. */
export function demoPreferences(userId: string): DemoPreferences {
  assertKnownUserId(userId);
  const random = seededRandom(userId, 'preferences');
  const locale = demoLocale(userId);
  const signupMs = userSignupMs(userId);
  const updatedSeconds = intBetween(random, 0, (DEMO_NOW_MS - signupMs) / SECOND_MS);
  return {
    userId,
    language: locale.language,
    currency: locale.currency,
    theme: weighted(random, THEME_WEIGHTS),
    notifications: { email: random() < 0.8, push: random() < 0.6, sms: random() < 0.15 },
    marketingOptIn: random() < 0.35,
    updatedAt: new Date(signupMs + updatedSeconds * SECOND_MS).toISOString(),
  };
}
