import { USER_ID_PATTERN } from '@app/auth';
import { decimalNumber } from '@app/config';
import { loadConfigOrExit } from '@app/http';
import jwt from 'jsonwebtoken';
import { cliArgsOrExit, readCliArgs } from './cli-args.js';

/*
 * Mints a token for local use with the configured HS256 secret (the
 * development secret unless JWT_SECRET is set). Gateways that verify with a
 * public key or JWKS get their tokens from their identity provider.
 */
const values = cliArgsOrExit(
  readCliArgs(
    process.argv.slice(2),
    {
      sub: { type: 'string', default: 'u1' },
      roles: { type: 'string', default: '' },
      ttl: { type: 'string', default: '3600' },
    },
    'usage: npm run token -- [--sub u1] [--roles admin,ops] [--ttl 3600]',
  ),
);
const config = loadConfigOrExit(process.env);
if (config.auth.key.kind !== 'secret') {
  console.error(
    'npm run token signs with JWT_SECRET; this configuration verifies with a public key or JWKS.',
  );
  process.exit(1);
}
if (!USER_ID_PATTERN.test(values.sub)) {
  console.error(
    '--sub must be a user id the gateway accepts: 1 to 128 letters, digits and . _ : @ | - (such as u1, auth0|abc or ana@example.com)',
  );
  process.exit(1);
}
/** A month: a development token that outlives that is one nobody remembers minting. */
const MAX_TTL_SECONDS = 30 * 86_400;
// Read as the configuration reads numbers, in decimal: Number() would take 0x10 or 1e3 for another lifetime.
const ttlSeconds = decimalNumber(values.ttl);
if (
  typeof ttlSeconds !== 'number' ||
  !Number.isInteger(ttlSeconds) ||
  ttlSeconds < 1 ||
  ttlSeconds > MAX_TTL_SECONDS
) {
  console.error(`--ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}`);
  process.exit(1);
}
const roles = values.roles
  .split(',')
  .map((role) => role.trim())
  .filter((role) => role.length > 0);
const token = jwt.sign({ roles }, config.auth.key.secret, {
  algorithm: 'HS256',
  subject: values.sub,
  expiresIn: ttlSeconds,
  ...(config.auth.issuer === undefined ? {} : { issuer: config.auth.issuer }),
  ...(config.auth.audience === undefined ? {} : { audience: config.auth.audience }),
});
console.log(token);
