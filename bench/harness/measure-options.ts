import { deleteKeysWithPrefix } from '../../test/support/redis-keys.js';

/** `--name=value` from a measuring script's arguments, if given. */
export function optionValue(argv: readonly string[], name: string): string | undefined {
  return argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** `--name=N` as a whole number of at least 1, `fallback` when not given. */
export function countOption(argv: readonly string[], name: string, fallback: number): number {
  const parsed = Number(optionValue(argv, name) ?? fallback);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new Error(`--${name} must be a whole number of at least 1`);
  }
  return parsed;
}

/** Every `--env=NAME=VALUE`: settings that differ from the benchmark's product, to measure what one feature costs. */
export function envSettings(argv: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const setting of argv.filter((arg) => arg.startsWith('--env='))) {
    const [name, ...rest] = setting.slice('--env='.length).split('=');
    if (name === '' || rest.length === 0) {
      throw new Error(`--env takes NAME=VALUE, got ${setting}`);
    }
    env[name] = rest.join('=');
  }
  return env;
}

/**
 * `--env` settings for one run: on Redis, a key prefix of the run's own
 * unless one is given, so the run finds none of another's entries and
 * leaves none under the product's default prefix (`bff:`, a deployment's
 * own); `deleteKeys` removes the run's keys once it is over.
 */
export function runEnv(
  env: Record<string, string>,
  run: string,
): { env: Record<string, string>; deleteKeys: () => Promise<void> } {
  const url = env.REDIS_URL;
  if (url === undefined) {
    return { env, deleteKeys: () => Promise.resolve() };
  }
  const prefix = env.REDIS_KEY_PREFIX ?? `${run}:`;
  return {
    env: { ...env, REDIS_KEY_PREFIX: prefix },
    deleteKeys: () => deleteKeysWithPrefix(url, prefix),
  };
}
