import { Logger, type INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { closeOnSignals } from './close-on-signals.js';
import {
  ConfigError,
  configWarnings,
  loadConfig,
  type AppConfig,
  type AppName,
  type ListenedPort,
} from '@app/config';

/**
 * For entry points only: a bad environment ends the process with every
 * problem listed, before anything listens. `listens` names the ports the
 * process listens on together.
 */
export function loadConfigOrExit(
  env: Record<string, string | undefined>,
  listens: readonly ListenedPort[] = [],
): AppConfig {
  try {
    return loadConfig(env, listens);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/** For entry points only: what the configuration leaves open, said once at start. */
export function warnAboutConfig(config: AppConfig, apps?: readonly AppName[]): void {
  for (const warning of configWarnings(config, apps)) {
    new Logger('Config').warn(warning);
  }
}

const LISTEN_HINTS: Record<string, string> = {
  EADDRINUSE:
    'another process holds that port; stop it, or choose another (MOBILE_BFF_PORT, WEB_BFF_PORT, DEMO_*_PORT)',
  EACCES: 'this user may not listen on that port; choose one above 1023',
  EADDRNOTAVAIL: 'no network interface of this machine has that address; check HOST',
  ENOTFOUND: 'that host name does not resolve to an address; check HOST',
  EAI_AGAIN: 'that host name could not be resolved right now; check HOST and DNS',
};

/**
 * For entry points only: a server that cannot listen ends the process with
 * one line naming the address and what to do, rather than a stack trace.
 * The error code stays in the line, for scripts that look for it.
 */
export function exitOnListenFailure(error: unknown): never {
  const { code, address, hostname, port } = (error ?? {}) as Partial<
    Record<'code' | 'address' | 'hostname' | 'port', unknown>
  >;
  const hint = typeof code === 'string' ? LISTEN_HINTS[code] : undefined;
  if (hint === undefined) {
    throw error;
  }
  // A name that does not resolve fails before any port is tried: its error names the host alone.
  const where =
    port === undefined
      ? String(address ?? hostname)
      : `${String(address)}:${String(port as number | string)}`;
  console.error(`cannot listen on ${where} (${code as string}): ${hint}`);
  process.exit(1);
}

/**
 * Where an app listens, as its log line says it: the address bound, which
 * Nest's getUrl() rewrites from 0.0.0.0 or :: to 127.0.0.1 for a browser's
 * sake; in a container's log that named an address no one else can reach.
 */
export async function listeningUrl(app: INestApplication): Promise<string> {
  const url = new URL(await app.getUrl());
  const bound = (app.getHttpServer() as { address(): AddressInfo | string | null }).address();
  if (bound !== null && typeof bound === 'object') {
    url.hostname = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  }
  return url.origin;
}

/**
 * A BFF's entry point when it runs in a process of its own: its
 * configuration or the list of what is wrong with it, the app listening,
 * shut down on SIGTERM and SIGINT, and its start-up lines.
 */
export async function runAlone(
  name: string,
  app: AppName,
  start: (config: AppConfig) => Promise<NestFastifyApplication>,
): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const started = await start(config).catch(exitOnListenFailure);
  closeOnSignals([started], config.shutdown);
  // Once the app's logger is in place: JSON lines outside development, at LOG_LEVEL, like every other line.
  warnAboutConfig(config, [app]);
  new Logger(name).log(`listening on ${await listeningUrl(started)}`);
}
