import { loadConfig } from '@app/config';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'api-key.js');

/** `npm run api-key -- <args>`, as an operator runs it: its exit code and what it printed. */
async function apiKey(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
}

describe('npm run api-key', () => {
  beforeAll(async () => {
    if (!existsSync(CLI)) {
      await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
    }
  });

  it('prints a key and an API_KEYS entry the gateway loads as that consumer', async () => {
    const result = await apiKey(['--name', 'partner-acme', '--roles', 'admin,ops']);

    expect(result.code).toBe(0);
    const entry = /API_KEYS entry: (.*)/.exec(result.stdout)?.[1] ?? '';
    const [consumer] = loadConfig({ API_KEYS: `[${entry}]` }).apiKeys;
    expect(consumer).toMatchObject({ name: 'partner-acme', roles: ['admin', 'ops'], tier: 'partner' });
  });

  it.each([
    [['--name', 'Partner_Acme'], /needs name as/],
    [['--name', 'acme', '--tier', 'gold'], /needs tier as one of THROTTLE_TIERS/],
    [['--name', 'acme', '--roles', 'admin,bad role!'], /needs roles as/],
  ])(
    'refuses %j, naming the rule, instead of printing an entry the gateway would refuse',
    async (args, rule) => {
      const result = await apiKey(args);

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(rule);
      expect(result.stdout).not.toContain('API_KEYS entry');
    },
  );
});
