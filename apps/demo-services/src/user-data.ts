import { assertKnownUserId } from './demo-ids.js';
import { DAY_MS, DEMO_NOW_MS, SECOND_MS } from './demo-time.js';
import { intBetween, pick, seededRandom, weighted } from './prng.js';

export const USER_TIERS = ['standard', 'silver', 'gold', 'platinum'] as const;
export type UserTier = (typeof USER_TIERS)[number];

export interface DemoUser {
  id: string;
  name: string;
  email: string;
  avatarUrl: string;
  tier: UserTier;
  createdAt: string;
}

// A few accented names so clients exercise UTF-8 end to end.
const FIRST_NAMES = `
  Ada Amara Ben Carla Chloé Daniel Elena Emre Fatima Grace Hiro Ines Jonas José
  Kai Lea Liam Maya Mateo Nadia Noah Olga Priya Rafael Sofia Tariq Yuki Zoë
`
  .trim()
  .split(/\s+/);
const LAST_NAMES = `
  Andersen Becker Costa Dubois Evans Fischer García Hansen Ivanova Jensen Kowalski Lambert
  Martin Müller Nakamura Okafor Pereira Rossi Schmidt Silva Tanaka Virtanen Weber Yilmaz
`
  .trim()
  .split(/\s+/);

const TIER_WEIGHTS = [
  ['standard', 55],
  ['silver', 25],
  ['gold', 15],
  ['platinum', 5],
] as const;

/** Oldest and newest account ages. At least 60 days leaves room for hundreds of orders hours apart. */
const MIN_ACCOUNT_AGE_DAYS = 60;
const MAX_ACCOUNT_AGE_DAYS = 2500;

/** When the account was opened, in epoch ms; orders and preference changes all come later. */
export function userSignupMs(userId: string): number {
  const random = seededRandom(userId, 'signup');
  // Whole seconds: upstream timestamps rarely carry milliseconds.
  const ageSeconds = intBetween(
    random,
    (MIN_ACCOUNT_AGE_DAYS * DAY_MS) / SECOND_MS,
    (MAX_ACCOUNT_AGE_DAYS * DAY_MS) / SECOND_MS,
  );
  return DEMO_NOW_MS - ageSeconds * SECOND_MS;
}

function emailLocalPart(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}

/** The user with this id; throws a RangeError for ids that name no user (see {@link isKnownUserId}). */
export function demoUser(id: string): DemoUser {
  assertKnownUserId(id);
  const random = seededRandom(id, 'user');
  const first = pick(random, FIRST_NAMES);
  const last = pick(random, LAST_NAMES);
  const suffix = intBetween(random, 1, 999);
  return {
    id,
    name: `${first} ${last}`,
    email: `${emailLocalPart(first)}.${emailLocalPart(last)}${suffix}@example.com`,
    avatarUrl: `https://avatars.example.com/${id}.png`,
    tier: weighted(random, TIER_WEIGHTS),
    createdAt: new Date(userSignupMs(id)).toISOString(),
  };
}
