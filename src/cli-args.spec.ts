import { readCliArgs } from './cli-args.js';

const OPTIONS = { sub: { type: 'string', default: 'u1' } } as const;
const USAGE = 'usage: npm run token -- [--sub u1]';

describe('a script reading its command line', () => {
  it('reads the options it knows, defaults included', () => {
    expect(readCliArgs(['--sub', 'u7'], OPTIONS, USAGE)).toEqual({ values: { sub: 'u7' } });
    expect(readCliArgs([], OPTIONS, USAGE)).toEqual({ values: { sub: 'u1' } });
  });

  it('answers --help and -h with its usage and a clean exit', () => {
    expect(readCliArgs(['--help'], OPTIONS, USAGE)).toEqual({ exitCode: 0, message: USAGE });
    expect(readCliArgs(['--sub', 'u7', '-h'], OPTIONS, USAGE)).toEqual({ exitCode: 0, message: USAGE });
  });

  it('explains an option it does not know, or one missing its value, with the usage instead of a stack trace', () => {
    for (const args of [['--subject', 'u7'], ['--sub']]) {
      const read = readCliArgs(args, OPTIONS, USAGE);
      expect(read).toMatchObject({ exitCode: 1 });
      const message = 'message' in read ? read.message : '';
      expect(message).toContain(args[0]);
      expect(message.endsWith(USAGE)).toBe(true);
      expect(message).not.toMatch(/\n\s+at /);
    }
  });
});
