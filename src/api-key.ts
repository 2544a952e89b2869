import { ConfigError, hashApiKey, loadConfig } from '@app/config';
import { randomBytes } from 'node:crypto';
import { cliArgsOrExit, readCliArgs } from './cli-args.js';

/*
 * Makes a new API key for a server-to-server consumer: prints the key once
 * (hand it to the consumer) and the API_KEYS entry holding only its hash.
 */
const USAGE = 'usage: npm run api-key -- --name <consumer> [--tier partner] [--roles admin,ops]';
const values = cliArgsOrExit(
  readCliArgs(
    process.argv.slice(2),
    {
      name: { type: 'string' },
      tier: { type: 'string', default: 'partner' },
      roles: { type: 'string', default: '' },
    },
    USAGE,
  ),
);
if (values.name === undefined) {
  console.error(USAGE);
  process.exit(1);
}
const key = randomBytes(32).toString('base64url');
const roles = values.roles
  .split(',')
  .map((role) => role.trim())
  .filter((role) => role.length > 0);
const entry = { name: values.name, keyHash: hashApiKey(key), roles, tier: values.tier };
// Checked as the gateway will read it, tiers from THROTTLE_TIERS included: an entry printed here always loads.
try {
  loadConfig({ API_KEYS: JSON.stringify([entry]), THROTTLE_TIERS: process.env.THROTTLE_TIERS });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    console.error(USAGE);
    process.exit(1);
  }
  throw error;
}
console.log(`key (give it to ${values.name}, it is not stored anywhere): ${key}`);
console.log(`API_KEYS entry: ${JSON.stringify(entry)}`);
