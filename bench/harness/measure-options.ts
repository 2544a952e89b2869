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
