import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What a command line asks of a script: run with these values, or stop with a message and an exit code. */
export type CliArgs<T> = { values: T } | { exitCode: 0 | 1; message: string };

/**
 * The script's options read from `args`, or, for `--help` (`-h`), the usage
 * to print and exit 0 on, and for an option it does not know or one
 * without its value, node's own explanation and the usage to exit 1 on,
 * where `parseArgs` alone would end the script with a stack trace.
 */
export function readCliArgs<O extends Options>(
  args: string[],
  options: O,
  usage: string,
): CliArgs<ReturnType<typeof parseArgs<{ options: O }>>['values']> {
  if (args.includes('--help') || args.includes('-h')) {
    return { exitCode: 0, message: usage };
  }
  try {
    return { values: parseArgs({ args, options }).values };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { exitCode: 1, message: `${message}\n${usage}` };
  }
}

/** The values, or the script ends here as {@link readCliArgs} decided. */
export function cliArgsOrExit<T>(read: CliArgs<T>): T {
  if ('values' in read) {
    return read.values;
  }
  (read.exitCode === 0 ? console.log : console.error)(read.message);
  process.exit(read.exitCode);
}
