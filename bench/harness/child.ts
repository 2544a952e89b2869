import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { sparePort } from '../../test/support/node-process.js';

export interface ChildOptions {
  name: string;
  script: string;
  /** Spare loopback ports the child gets; a new set on a retry. */
  portCount: number;
  /** The whole environment: nothing is inherited, so the shell the bench runs from cannot change it. */
  env: (ports: readonly number[]) => Record<string, string>;
  /** Resolves true once the child serves; a throw counts as not yet. */
  isReady: (ports: readonly number[]) => Promise<boolean>;
  /** stdout and stderr go here, straight from the child: a pipe read by the runner would cost the runner CPU. */
  logFile: string;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly ports: readonly number[];
  readonly logFile: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const ATTEMPTS = 3;

/** Every child still running, so a runner that dies half-way (a throw, Ctrl-C) leaves no server behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) {
    child.kill('SIGKILL');
  }
});

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || exited(child)) {
    return;
  }
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await gone;
  clearTimeout(killer);
}

function tail(file: string): string {
  return readFileSync(file, 'utf8').slice(-4_000);
}

/**
 * Starts `node <script>` on spare ports, its output written to a file, and
 * resolves once it is ready. Ports are found by binding and releasing, so
 * another process may take one in between: a child that dies of
 * EADDRINUSE is started again on new ports.
 */
export async function startChild(options: ChildOptions): Promise<Child> {
  for (let attempt = 1; ; attempt += 1) {
    const ports = await Promise.all(Array.from({ length: options.portCount }, () => sparePort()));
    const log = openSync(options.logFile, 'w');
    const child = spawn(process.execPath, [options.script], {
      env: options.env(ports),
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    running.add(child);
    child.once('exit', () => running.delete(child));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let ready = false;
    while (!ready && !exited(child) && Date.now() < deadline) {
      ready = await options.isReady(ports).catch(() => false);
      if (!ready) {
        await sleep(50);
      }
    }
    if (ready && child.pid !== undefined) {
      return { name: options.name, pid: child.pid, ports, logFile: options.logFile, stop: () => stop(child) };
    }
    const died = exited(child);
    await stop(child);
    const output = tail(options.logFile);
    if (!died || !output.includes('EADDRINUSE') || attempt >= ATTEMPTS) {
      throw new Error(
        `${options.name} ${died ? 'exited before it was ready' : `was not ready within ${READY_TIMEOUT_MS} ms`}; its output:\n${output}`,
      );
    }
  }
}
