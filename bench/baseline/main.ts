import { createBearerVerifier } from './bearer-verifier.js';
import { buildBaselineApp } from './baseline-app.js';
import { createUpstream } from './upstream.js';

/*
 * The benchmark's yardstick as its own process (node dist/bench/baseline/main.js).
 * Everything comes from the environment the runner hands it; a missing
 * variable stops it at once, naming the variable.
 */

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    console.error(`${name}: is required`);
    process.exit(1);
  }
  return value;
}

const connections = Number(process.env.BASELINE_UPSTREAM_CONNECTIONS ?? '128');
const upstreamOptions = { connections, timeoutMs: 1000 };
const upstreams = {
  user: createUpstream(required('USER_SERVICE_URL'), upstreamOptions),
  order: createUpstream(required('ORDER_SERVICE_URL'), upstreamOptions),
  preference: createUpstream(required('PREFERENCE_SERVICE_URL'), upstreamOptions),
};
const app = buildBaselineApp({
  upstreams,
  verify: createBearerVerifier({
    secret: required('JWT_SECRET'),
    issuer: process.env.JWT_ISSUER,
    audience: process.env.JWT_AUDIENCE,
    clockToleranceS: 10,
  }),
  cache: process.env.BASELINE_CACHE === 'true',
});
const address = await app.listen({
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(required('BASELINE_PORT')),
});
console.log(`baseline listening on ${address}`);

async function shutdown(): Promise<void> {
  await app.close();
  await Promise.all(Object.values(upstreams).map((upstream) => upstream.close()));
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    shutdown().catch((error: unknown) => {
      console.error('baseline did not close cleanly', error);
      process.exitCode = 1;
    });
  });
}
