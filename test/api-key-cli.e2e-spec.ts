import { loadConfig } from '@app/config';
import { cliOf } from './support/cli.js';

/** `npm run api-key -- <args>`, as it is run: its exit code and what it printed. */
const apiKey = cliOf('api-key');

describe('npm run api-key', () => {
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
