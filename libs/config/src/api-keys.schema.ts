import { z } from 'zod';
import type { ApiKeyConsumer } from './app-config.js';
import { isPlainObject, parseJson, rulesBroken } from './json-variable.js';
import { NAME_PATTERN, NAME_RULE } from './throttle-tiers.schema.js';

const KEY_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;
/** What a key hashed by a tool that was handed nothing (an unset shell variable, say) looks like. */
const EMPTY_KEY_HASH = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ROLE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const MAX_ROLES = 32;
const DEFAULT_TIER = 'partner';

const NAME_PROBLEM = `needs name as ${NAME_RULE}`;
const KEY_HASH_PROBLEM = 'needs keyHash as sha256:<64 lowercase hex digits>';
const ROLES_PROBLEM = `needs roles as a list of at most ${MAX_ROLES} roles, each 1 to 64 letters, digits or _ . : - starting with a letter or digit`;
const TIER_PROBLEM = `needs tier as ${NAME_RULE}`;

/*
 * Every message names the broken rule only: an entry's keyHash (and a
 * misplaced raw key) never leaves this file, and a name is repeated only
 * once it has passed its own pattern.
 */
const entrySchema = z.strictObject(
  {
    name: z.string({ error: NAME_PROBLEM }).regex(NAME_PATTERN, { error: NAME_PROBLEM }),
    keyHash: z
      .string({ error: KEY_HASH_PROBLEM })
      .regex(KEY_HASH_PATTERN, { error: KEY_HASH_PROBLEM })
      .refine((hash) => hash !== EMPTY_KEY_HASH, { error: 'has the keyHash of an empty key' }),
    roles: z
      .array(z.string({ error: ROLES_PROBLEM }).regex(ROLE_PATTERN, { error: ROLES_PROBLEM }), {
        error: ROLES_PROBLEM,
      })
      .max(MAX_ROLES, { error: ROLES_PROBLEM })
      .default([]),
    tier: z
      .string({ error: TIER_PROBLEM })
      .regex(NAME_PATTERN, { error: TIER_PROBLEM })
      .default(DEFAULT_TIER),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'has fields other than name, keyHash, roles and tier'
        : 'must be an object with name, keyHash, roles and tier',
  },
);

/** `entry 2 (name partner-b)`: 1-based like an operator counts, with the name only when it is a valid one. */
function entryLabel(entry: unknown, index: number): string {
  const name = isPlainObject(entry) ? entry.name : undefined;
  return typeof name === 'string' && NAME_PATTERN.test(name)
    ? `entry ${index + 1} (name ${name})`
    : `entry ${index + 1}`;
}

/** The consumers, or the rules their entries break as one phrase per entry. */
function readConsumers(entries: unknown[]): { consumers: ApiKeyConsumer[]; problems: string[] } {
  const consumers: ApiKeyConsumer[] = [];
  const problems: string[] = [];
  const entryByName = new Map<string, number>();
  const entryByHash = new Map<string, number>();
  entries.forEach((entry, index) => {
    const label = entryLabel(entry, index);
    const parsed = entrySchema.safeParse(entry);
    if (!parsed.success) {
      problems.push(`${label} ${rulesBroken(parsed.error).join(' and ')}`);
      return;
    }
    const { name, keyHash, roles, tier } = parsed.data;
    const sameName = entryByName.get(name);
    const sameHash = entryByHash.get(keyHash);
    if (sameName !== undefined) {
      problems.push(`${label} repeats the name of entry ${sameName + 1}`);
    }
    if (sameHash !== undefined) {
      problems.push(`${label} repeats the keyHash of entry ${sameHash + 1}`);
    }
    entryByName.set(name, sameName ?? index);
    entryByHash.set(keyHash, sameHash ?? index);
    consumers.push({ name, keyHash: Buffer.from(keyHash.slice('sha256:'.length), 'hex'), roles, tier });
  });
  return { consumers, problems };
}

/**
 * `API_KEYS`: a JSON array of `{"name", "keyHash", "roles", "tier"}`; unset
 * or blank means no consumers. All its problems go on one line. Whether
 * each tier exists is checked against THROTTLE_TIERS once both are parsed.
 */
export const apiKeysSchema = z
  .string()
  .optional()
  .transform((text, ctx): ApiKeyConsumer[] => {
    if (text === undefined || text.trim() === '') {
      return [];
    }
    const json = parseJson(text);
    if (!json.ok || !Array.isArray(json.value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a JSON array of {"name", "keyHash", "roles", "tier"} objects',
      });
      return z.NEVER;
    }
    const { consumers, problems } = readConsumers(json.value);
    if (problems.length > 0) {
      ctx.addIssue({ code: 'custom', message: problems.join('; ') });
      return z.NEVER;
    }
    return consumers;
  });
