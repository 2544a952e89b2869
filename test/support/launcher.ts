import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { answering, startNodeProcess, type NodeProcess } from './node-process.js';

/** The repository's root, where `npm start` runs. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The launcher `npm start` runs: demo services and both BFFs in one process. */
export const LAUNCHER = join(ROOT, 'dist', 'src', 'main.js');

/** Builds the launcher when a suite runs before any build has. */
export async function buildLauncherIfMissing(): Promise<void> {
  if (!existsSync(LAUNCHER)) {
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
  }
}

/** The environment the launcher runs on in a test: loopback, the BFFs' then the demo services' ports, and `extra`. */
export function launcherEnv(
  [mobile, web, user, order, preference]: readonly number[],
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    MOBILE_BFF_PORT: String(mobile),
    WEB_BFF_PORT: String(web),
    DEMO_USER_PORT: String(user),
    DEMO_ORDER_PORT: String(order),
    DEMO_PREFERENCE_PORT: String(preference),
    ...extra,
  };
}

/** Starts the launcher on spare ports and resolves once both BFFs answer their liveness probe. */
export function startLauncher(extra: Record<string, string> = {}): Promise<NodeProcess> {
  return startNodeProcess({
    name: 'launcher',
    script: LAUNCHER,
    cwd: ROOT,
    portCount: 5,
    env: (ports) => launcherEnv(ports, extra),
    // The two BFFs' ports come first.
    isReady: answering('/health/live', 2),
  });
}
