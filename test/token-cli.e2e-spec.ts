import jwt from 'jsonwebtoken';
import { cliOf } from './support/cli.js';

/** `npm run token -- <args>`, as it is run: its exit code and what it printed. */
const token = cliOf('token');

describe('npm run token', () => {
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
