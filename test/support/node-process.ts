import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** How much of a process's output is kept: enough for its last errors, not a whole run's logs. */
const MAX_LOG_CHARS = 64 * 1024;
const POLL_MS = 50;
/** One probe may take this long: whatever holds the port may accept a connection and never answer. */
const PROBE_TIMEOUT_MS = 1_000;

/** Every child still running, so a worker that exits before `afterAll` (a crash, Ctrl-C) takes them along. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) {
    child.kill('SIGKILL');
  }
});

/** A loopback port nobody listens on right now: bound to 0, read, released. Another process may take it first. */
export async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('no port was bound');
  }
  return address.port;
}

export interface NodeProcessOptions {
  /** How the process is named in errors and dumped logs, e.g. `mobile-1`. */
  name: string;
  /** The built entry point, run as `node <script>`. */
  script: string;
  cwd: string;
  /** How many spare ports the process gets; a new set on every attempt. */
  portCount: number;
  /** The process's whole environment: nothing is inherited, so a developer's shell cannot change the run. */
  env: (ports: readonly number[]) => Record<string, string>;
  /**
   * One readiness probe; it is repeated until it resolves true. A throw
   * (connection refused) counts as not yet, and so does a probe still
   * running when `signal` aborts.
   */
  isReady: (ports: readonly number[], signal: AbortSignal) => Promise<boolean>;
  readyTimeoutMs?: number;
  attempts?: number;
}

/** A readiness probe: the process's first `portCount` ports (all of them by default) answer `path` with a 2xx. */
export function answering(path: string, portCount?: number): NodeProcessOptions['isReady'] {
  return async (ports, signal) => {
    const answers = await Promise.all(
      ports.slice(0, portCount).map((port) => fetch(`http://127.0.0.1:${port}${path}`, { signal })),
    );
    // Read whole, so no unread body holds its connection.
    await Promise.all(answers.map((answer) => answer.arrayBuffer()));
    return answers.every((answer) => answer.ok);
  };
}

export interface NodeProcess {
  readonly name: string;
  readonly pid: number;
  readonly ports: readonly number[];
  /** What the process wrote to stdout and stderr, its last 64 KiB, with the attempts that failed before it. */
  output(): string;
  /** Sends `signal` and resolves once the process is gone; past `graceMs`, SIGKILL. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** Stops reading its stdout, as a reader at the end of a shell pipeline that has gone: its writes there fail with EPIPE. */
  closeStdout(): void;
  /** Its exit code once it has exited on its own; null while it runs, or when a signal ended it. */
  exitCode(): number | null;
}

/** A child that was never spawned (its `error` event) has no pid and never emits `exit`. */
function isGone(child: ChildProcess): boolean {
  return child.pid === undefined || child.exitCode !== null || child.signalCode !== null;
}

/** Resolves once `closed` (the child's `close` event: exited, and its output read to the end) has fired. */
async function stopChild(
  child: ChildProcess,
  closed: Promise<void>,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  if (child.pid === undefined) {
    return;
  }
  if (!isGone(child)) {
    child.kill(signal);
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}

function describeExit(child: ChildProcess): string {
  return child.signalCode === null ? `exit code ${String(child.exitCode)}` : `signal ${child.signalCode}`;
}

/**
 * Runs `node <script>` on spare loopback ports and resolves once its
 * readiness probe passes. The ports are picked by binding and releasing,
 * so another process may take one in between: a child that exits with
 * EADDRINUSE before it is ready is started again on new ports, up to
 * `attempts` times. Any other failure rejects with the child's output.
 */
export async function startNodeProcess(options: NodeProcessOptions): Promise<NodeProcess> {
  const attempts = options.attempts ?? 3;
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  let earlier = '';
  for (let attempt = 1; ; attempt += 1) {
    const ports = await Promise.all(Array.from({ length: options.portCount }, () => sparePort()));
    const child = spawn(process.execPath, [options.script], {
      cwd: options.cwd,
      env: options.env(ports),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    // After `exit` the pipes may still hold the last lines (an EADDRINUSE stack); `close` comes once they are read.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    let log = '';
    const keep = (chunk: Buffer): void => {
      log = (log + chunk.toString('utf8')).slice(-MAX_LOG_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // A spawn failure (no such file) arrives as an event; without a pid the child counts as gone below.
    child.once('error', (error) => keep(Buffer.from(`spawn failed: ${error.message}\n`)));
    const output = (): string => `${earlier}${log}`;

    const deadline = Date.now() + readyTimeoutMs;
    let ready = false;
    while (!ready && !isGone(child) && Date.now() < deadline) {
      const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
      ready = await Promise.race([
        options.isReady(ports, signal).catch(() => false),
        new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(false))),
      ]);
      if (!ready) {
        await sleep(POLL_MS);
      }
    }
    if (ready) {
      return {
        name: options.name,
        pid: child.pid ?? -1,
        ports,
        output,
        stop: (signal = 'SIGTERM', graceMs = 5_000) => stopChild(child, closed, signal, graceMs),
        closeStdout: () => child.stdout?.destroy(),
        exitCode: () => child.exitCode,
      };
    }

    const exitedEarly = isGone(child);
    await stopChild(child, closed, 'SIGKILL', 0);
    const failure = exitedEarly
      ? `${options.name} exited before it was ready (${describeExit(child)})`
      : `${options.name} was not ready within ${readyTimeoutMs} ms`;
    earlier += `--- attempt ${attempt} on ports ${ports.join(', ')}: ${failure}\n${log}\n`;
    // Only a port taken in between is worth another attempt; any other failure would only repeat itself.
    if (!exitedEarly || !log.includes('EADDRINUSE') || attempt >= attempts) {
      throw new Error(`${failure}; its output:\n${output()}`);
    }
  }
}
