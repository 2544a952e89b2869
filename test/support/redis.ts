import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from './stack.js';

/** The Redis the whole run shares, or undefined: suites that need it skip without it. */
export const sharedRedisUrl = process.env.REDIS_URL;

export { deleteKeysWithPrefix } from './redis-keys.js';

/**
 * The env that points a stack at `url` under a key prefix of its own, so
 * runs (and suites running side by side) never see each other's keys.
 */
export function redisEnv(url: string): { REDIS_URL: string; REDIS_KEY_PREFIX: string } {
  return { REDIS_URL: url, REDIS_KEY_PREFIX: `test:${randomUUID()}:` };
}

/**
 * Resolves once both BFFs of `stack` report Redis up on `/health`. A BFF
 * takes traffic as soon as it listens, while its Redis connection is still
 * being made, and answers without Redis until then; a test about sharing
 * through Redis has to start after that.
 */
export async function untilRedisIsUp(stack: Stack): Promise<void> {
  await vi.waitFor(
    async () => {
      for (const base of [stack.mobileUrl, stack.webUrl]) {
        // While Redis is down /health is a 503 problem whose details name redis down.
        const health = (await (await fetch(`${base}/health`)).json()) as {
          details?: { redis?: { status: string } };
        };
        expect(health.details?.redis?.status).toBe('up');
      }
    },
    { timeout: 5_000, interval: 20 },
  );
}

/** A loopback port nobody listens on right now: bound to 0, read, released. */
async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('no port was bound');
  }
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A `redis-server` owned by one suite, on a port of its own, that the suite
 * may kill and start again on the same port: a Redis crash and its restart.
 * Nothing is persisted, so a restart comes back empty, as a crashed cache does.
 */
export class PrivateRedis {
  private process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await sparePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server on its port again and resolves once it takes connections. */
  async restart(): Promise<void> {
    if (this.process !== undefined) {
      throw new Error('redis-server is already running');
    }
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.process = child;
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    // Polled rather than awaited on stdout: the log format differs between Redis versions.
    for (let waited = 0; waited < 5_000; waited += 25) {
      if (exited) {
        this.process = undefined;
        throw new Error(`redis-server exited before taking connections on port ${this.port}`);
      }
      if (await accepts(this.port)) {
        return;
      }
      await sleep(25);
    }
    throw new Error(`redis-server took no connections on port ${this.port} within 5 s`);
  }

  /** SIGSTOP: connections stay open and nothing is answered, as a Redis stuck in a long command or a swap storm. */
  stall(): void {
    this.process?.kill('SIGSTOP');
  }

  /** SIGCONT: answers what arrived meanwhile, in order, as a stalled Redis does when it comes back. */
  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** SIGKILL, as a crash: no shutdown, connections dropped mid-way. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }
}
