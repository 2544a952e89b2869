import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { answering, startNodeProcess, type NodeProcess, type NodeProcessOptions } from './node-process.js';

/*
 * The apps as the containers run them: built JavaScript, each its own OS
 * process, for suites about what holds between processes (nothing is
 * shared but Redis).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type AppName = 'mobile-bff' | 'web-bff' | 'demo-services';

const entryPoint = (app: AppName): string => join(ROOT, 'dist', 'apps', app, 'src', 'main.js');

export const local = (port: number): string => `http://127.0.0.1:${port}`;

/** Builds the apps once if a suite runs before anything has built them. */
export async function buildAppsIfMissing(): Promise<void> {
  if (!(['mobile-bff', 'web-bff', 'demo-services'] as const).every((app) => existsSync(entryPoint(app)))) {
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
  }
}

/** The demo services: a port each, ready once each answers its own /health. */
export function startDemoProcess(): Promise<NodeProcess> {
  return startNodeProcess({
    name: 'demo-services',
    script: entryPoint('demo-services'),
    cwd: ROOT,
    portCount: 3,
    env: ([user, order, preference]) => ({
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DEMO_USER_PORT: String(user),
      DEMO_ORDER_PORT: String(order),
      DEMO_PREFERENCE_PORT: String(preference),
    }),
    isReady: answering('/health'),
  });
}

/** The environment that points a BFF at the demo services `demo` runs. */
export function upstreamsOf(demo: NodeProcess): Record<string, string> {
  const [user, order, preference] = demo.ports;
  return {
    USER_SERVICE_URL: local(user),
    ORDER_SERVICE_URL: local(order),
    PREFERENCE_SERVICE_URL: local(preference),
  };
}

/** One BFF process on a port of its own, with `env`, ready once `isReady` says so (its /health answering, unless told). */
export function startBffProcess(
  name: string,
  app: 'mobile-bff' | 'web-bff',
  env: Record<string, string>,
  isReady: NodeProcessOptions['isReady'] = answering('/health'),
): Promise<NodeProcess> {
  return startNodeProcess({
    name,
    script: entryPoint(app),
    cwd: ROOT,
    portCount: 1,
    env: ([port]) => ({
      ...env,
      [app === 'mobile-bff' ? 'MOBILE_BFF_PORT' : 'WEB_BFF_PORT']: String(port),
    }),
    isReady,
  });
}
