import { loadConfig } from '@app/config';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnection, type LuaScript } from './redis-connection.js';

const INCREMENT_BY: LuaScript = { lua: "return redis.call('INCRBY', KEYS[1], ARGV[1])" };
const url = process.env.REDIS_URL;

describe.skipIf(url === undefined)('RedisConnection.runScript (real Redis)', () => {
  const prefix = `test:${randomUUID()}:`;
  let connection: RedisConnection;
  let admin: Redis;

  beforeAll(async () => {
    connection = new RedisConnection(loadConfig({ REDIS_URL: url, REDIS_KEY_PREFIX: prefix }));
    await connection.onModuleInit();
    admin = new Redis(url as string);
  });

  afterAll(async () => {
    await admin.del(`${prefix}counter`);
    admin.disconnect();
    await connection.onApplicationShutdown();
  });

  it('runs a script and keeps working after Redis has forgotten it (SCRIPT FLUSH, a restart)', async () => {
    expect(await connection.runScript(INCREMENT_BY, [`${prefix}counter`], [2])).toBe(2);
    await admin.script('FLUSH');
    expect(await connection.runScript(INCREMENT_BY, [`${prefix}counter`], [3])).toBe(5);
  });

  it('answers undefined rather than throwing when the script fails', async () => {
    const broken: LuaScript = { lua: "return redis.call('NOSUCHCOMMAND')" };
    expect(await connection.runScript(broken, [`${prefix}x`], [])).toBeUndefined();
  });
});

describe.skipIf(url === undefined)('RedisConnection to a database Redis does not have (real Redis)', () => {
  it('goes on without Redis rather than writing into database 0', async () => {
    const prefix = `test:${randomUUID()}:`;
    const outOfRange = new URL(url as string);
    outOfRange.pathname = '/9999';
    const connection = new RedisConnection(
      loadConfig({ REDIS_URL: outOfRange.toString(), REDIS_KEY_PREFIX: prefix }),
    );
    const admin = new Redis(url as string);
    try {
      await connection.onModuleInit();

      expect(connection.isUp).toBe(false);
      expect(connection.refusedDatabase).toBe(true);
      expect(await connection.answers()).toBe(false);
      expect(await connection.run((redis) => redis.set(`${prefix}stray`, '1'))).toBeUndefined();
      expect(await admin.exists(`${prefix}stray`)).toBe(0);
    } finally {
      admin.disconnect();
      await connection.onApplicationShutdown();
    }
  });
});

describe('RedisConnection.runScript without Redis', () => {
  it('answers undefined at once: the caller decides what no Redis means', async () => {
    const connection = new RedisConnection(loadConfig({}));
    expect(await connection.runScript(INCREMENT_BY, ['k'], [1])).toBeUndefined();
  });
});

/** Keeps the event loop from reading anything for `ms`, as a gateway under a few hundred connections does. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy on purpose: nothing else may run.
  }
}

/**
 * A TCP relay in front of the real Redis that can hold Redis's replies back,
 * as a Redis that stops answering but keeps its connections open does.
 */
class ReplyHoldingRelay {
  holding = false;
  private readonly held: Array<{ to: Socket; data: Buffer }> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(target: URL): Promise<ReplyHoldingRelay> {
    const server = createServer();
    const relay = new ReplyHoldingRelay(server);
    server.on('connection', (client) => {
      const redis = connect(Number(target.port || 6379), target.hostname);
      relay.sockets.add(client).add(redis);
      client.pipe(redis);
      redis.on('data', (data: Buffer) =>
        relay.holding ? relay.held.push({ to: client, data }) : client.write(data),
      );
      client.on('close', () => redis.destroy());
      redis.on('close', () => client.destroy());
      client.on('error', () => redis.destroy());
      redis.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get url(): string {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? `redis://127.0.0.1:${address.port}` : '';
  }

  release(): void {
    this.holding = false;
    for (const { to, data } of this.held.splice(0)) {
      to.write(data);
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe.skipIf(url === undefined)('RedisConnection command timeouts (real Redis)', () => {
  const prefix = `test:${randomUUID()}:`;
  const settings = { REDIS_KEY_PREFIX: prefix, REDIS_COMMAND_TIMEOUT_MS: '100' };
  let relay: ReplyHoldingRelay;
  let direct: RedisConnection;
  let relayed: RedisConnection;
  let admin: Redis;

  beforeAll(async () => {
    relay = await ReplyHoldingRelay.start(new URL(url as string));
    direct = new RedisConnection(loadConfig({ ...settings, REDIS_URL: url }));
    relayed = new RedisConnection(loadConfig({ ...settings, REDIS_URL: relay.url }));
    await Promise.all([direct.onModuleInit(), relayed.onModuleInit()]);
    admin = new Redis(url as string);
  });

  afterAll(async () => {
    await admin.del(`${prefix}busy`, `${prefix}held`);
    admin.disconnect();
    await Promise.all([direct.onApplicationShutdown(), relayed.onApplicationShutdown()]);
    await relay.close();
  });

  it('keeps a reply that came in while the gateway was too busy to read it, and keeps counting on Redis', async () => {
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const reply = direct.run((redis) => redis.incr(`${prefix}busy`));
      // Auto-pipelining sends the command from the loop's last phase; blocked right after that, while Redis
      // answers, the loop's next turn starts with the expired timer, before it reads the reply.
      await new Promise((resolve) => process.nextTick(resolve));
      setImmediate(() => blockEventLoop(250));
      expect(await reply).toBe(attempt);
    }
    // Four timeouts in a row would have opened the breaker: the gateway would be going on without Redis.
    expect(direct.isUp).toBe(true);
  });

  it('still gives up on a Redis that does not answer, after about the command timeout', async () => {
    relay.holding = true;
    try {
      const started = performance.now();
      expect(await relayed.run((redis) => redis.incr(`${prefix}held`))).toBeUndefined();
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      relay.release();
    }
    await expect.poll(() => admin.get(`${prefix}held`)).toBe('1');
  });
});
