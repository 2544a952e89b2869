import { z } from 'zod';
import type { ThrottleTier } from './app-config.js';
import { isPlainObject, parseJson, rulesBroken } from './json-variable.js';

/** Consumer and tier names end up in logs, metrics and Redis keys, so they hold nothing that needs escaping. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const NAME_RULE = '1 to 63 lowercase letters, digits or dashes, starting with a letter or digit';

/*
 * The first-party apps may burst to 100 requests a second and keep up 100 a
 * second on average; a partner gets a tenth of the burst and 5 a second, so
 * one partner's batch job cannot crowd the apps out.
 */
const DEFAULT_THROTTLE_TIERS: Record<string, ThrottleTier> = {
  'mobile-app': { burst: 100, sustained: 6000 },
  'web-app': { burst: 100, sustained: 6000 },
  partner: { burst: 10, sustained: 300 },
};

const BURST_RULE =
  'needs burst as a whole number of requests per burst window (THROTTLE_BURST_WINDOW_MS), at least 1';
const SUSTAINED_RULE =
  'needs sustained as a whole number of requests per sustained window (THROTTLE_SUSTAINED_WINDOW_MS), at least 1';

const tierSchema = z.strictObject(
  {
    burst: z.number({ error: BURST_RULE }).int({ error: BURST_RULE }).min(1, { error: BURST_RULE }),
    sustained: z
      .number({ error: SUSTAINED_RULE })
      .int({ error: SUSTAINED_RULE })
      .min(1, { error: SUSTAINED_RULE }),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'has fields other than burst and sustained'
        : 'must be an object with burst and sustained',
  },
);

/** The tiers, or the rules they break as one phrase each. */
function readTiers(value: Record<string, unknown>): {
  tiers: Record<string, ThrottleTier>;
  problems: string[];
} {
  const names = Object.keys(value);
  if (names.length === 0) {
    return { tiers: {}, problems: ['must name at least one tier'] };
  }
  const tiers: Record<string, ThrottleTier> = {};
  const problems: string[] = [];
  if (names.some((name) => !NAME_PATTERN.test(name))) {
    // The bad name is not repeated: it could be anything, a pasted secret included.
    problems.push(`has a tier name that is not ${NAME_RULE}`);
  }
  for (const name of names.filter((candidate) => NAME_PATTERN.test(candidate))) {
    const parsed = tierSchema.safeParse(value[name]);
    if (parsed.success) {
      tiers[name] = parsed.data;
    } else {
      problems.push(`tier ${name} ${rulesBroken(parsed.error).join(' and ')}`);
    }
  }
  return { tiers, problems };
}

/** `THROTTLE_TIERS`: `{"<tier>": {"burst": <per burst window>, "sustained": <per sustained window>}}`; all its problems on one line. */
export const throttleTiersSchema = z
  .string()
  .optional()
  .transform((text, ctx): Record<string, ThrottleTier> => {
    if (text === undefined || text.trim() === '') {
      return structuredClone(DEFAULT_THROTTLE_TIERS);
    }
    const json = parseJson(text);
    if (!json.ok || !isPlainObject(json.value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a JSON object such as {"partner": {"burst": 10, "sustained": 300}}',
      });
      return z.NEVER;
    }
    const { tiers, problems } = readTiers(json.value);
    if (problems.length > 0) {
      ctx.addIssue({ code: 'custom', message: problems.join('; ') });
      return z.NEVER;
    }
    return tiers;
  });
