import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'token.js');

/** `npm run token -- <args>`, as a developer runs it: its exit code and what it printed. */
async function token(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
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

describe('npm run token', () => {
  beforeAll(async () => {
    if (!existsSync(CLI)) {
      await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
    }
  });

  it.each(['600', '+600', '600.0', ' 600'])(
    'mints a token for the user that lives as long as asked, written %j',
    async (ttl) => {
      const result = await token(['--sub', 'u7', `--ttl=${ttl}`]);

      expect(result.code).toBe(0);
      const claims = jwt.decode(result.stdout.trim()) as { sub: string; exp: number; iat: number };
      expect(claims.sub).toBe('u7');
      expect(claims.exp - claims.iat).toBe(600);
    },
  );

  it.each(['0x10', '1e3', '99999999999999999999', '0', '2592001'])(
    'refuses a lifetime written %s: not decimal seconds from 1 to a month',
    async (ttl) => {
      const result = await token(['--ttl', ttl]);

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/--ttl must be a whole number of seconds from 1 to 2592000/);
      expect(result.stdout).toBe('');
    },
  );
});
