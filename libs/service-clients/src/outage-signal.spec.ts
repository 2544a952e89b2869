import { SERVICE_NAMES, type ServiceName } from '@app/config';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { MockInstance } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalOutageSignal, RedisOutageSignal, type RedisOutageSignalOptions } from './outage-signal.js';

const SUSPECT_FOR_MS: Record<ServiceName, number> = { user: 30_000, order: 10_000, preference: 30_000 };
/** Nothing listens on port 1, so every connection attempt is refused at once. */
const UNREACHABLE_REDIS_URL = 'redis://:not-for-logs@127.0.0.1:1';

/** Gateway processes opened by a test, closed after it whatever happened. */
const opened: RedisOutageSignal[] = [];

async function gatewayProcess(
  options: Partial<RedisOutageSignalOptions> & Pick<RedisOutageSignalOptions, 'redisUrl' | 'keyPrefix'>,
): Promise<RedisOutageSignal> {
  const signal = new RedisOutageSignal({ suspectForMs: SUSPECT_FOR_MS, ...options });
  opened.push(signal);
  await signal.ready();
  return signal;
}

/** Resolves 'closed', or 'still open' if close() takes longer than the caller can afford. */
function closeWithin(signal: RedisOutageSignal, ms: number): Promise<'closed' | 'still open'> {
  return Promise.race([
    signal.close().then(() => 'closed' as const),
    sleep(ms, 'still open' as const, { ref: false }),
  ]);
}

interface RedisDoor {
  /** Where the gateway under test connects instead of Redis. */
  url: string;
  open(): void;
  /** Drops every connection through the door, as a Redis restart would. */
  cutConnections(): void;
  close(): Promise<void>;
}

/**
 * A door in front of the real Redis. Shut (the start), it hangs up on every
 * connection as a Redis that is down would; open, it forwards bytes both ways.
 */
async function redisDoor(redisUrl: string): Promise<RedisDoor> {
  const { hostname, port } = new URL(redisUrl);
  let isOpen = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    if (!isOpen) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port || 6379), hostname);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    // A cut connection errors on both ends; each end takes the other down with it.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cutConnections = (): void => {
    for (const socket of sockets) {
      socket.destroy();
    }
    sockets.clear();
  };
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open: () => {
      isOpen = true;
    },
    cutConnections,
    close: async () => {
      // The gateway processes go first, or they would reconnect through the door while it closes.
      await Promise.all(opened.splice(0).map((signal) => signal.close()));
      cutConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Announcements are not queued while Redis is away, so the announcer repeats its report until the listener hears one. */
async function expectHeard(
  listener: RedisOutageSignal,
  announcer: RedisOutageSignal,
  service: ServiceName,
): Promise<void> {
  await vi.waitFor(
    () => {
      announcer.announceOpen(service);
      expect(listener.isSuspect(service)).toBe(true);
    },
    { timeout: 5_000, interval: 100 },
  );
}

let warn: MockInstance<Logger['warn']>;

beforeEach(() => {
  // The logger is the only fake: it keeps expected Redis warnings out of the test output.
  warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((signal) => signal.close()));
  vi.restoreAllMocks();
});

describe.skipIf(!process.env.REDIS_URL)(RedisOutageSignal.name, () => {
  const redisUrl = process.env.REDIS_URL ?? '';
  let keyPrefix: string;
  let plainClient: Redis;

  beforeAll(() => {
    plainClient = new Redis(redisUrl);
  });

  afterAll(async () => {
    await plainClient.quit();
  });

  beforeEach(() => {
    // One prefix per test, so parallel suites and earlier tests never hear each other.
    keyPrefix = `test:${randomUUID()}:`;
  });

  it('lets the other gateway instances treat the order service as suspect when one announces its breaker opened', async () => {
    const a = await gatewayProcess({ redisUrl, keyPrefix });
    const b = await gatewayProcess({ redisUrl, keyPrefix });

    b.announceOpen('order');

    await vi.waitFor(() => expect(a.isSuspect('order')).toBe(true));
    expect(a.isSuspect('user')).toBe(false);
    expect(a.isSuspect('preference')).toBe(false);
  });

  it('does not make a gateway instance suspect a service because of its own announcement', async () => {
    const a = await gatewayProcess({ redisUrl, keyPrefix });
    const b = await gatewayProcess({ redisUrl, keyPrefix });

    b.announceOpen('order');
    await vi.waitFor(() => expect(a.isSuspect('order')).toBe(true));
    // Redis delivers in publish order on each connection: once B hears A's later report,
    // B has already handled (and ignored) its own.
    a.announceOpen('user');
    await vi.waitFor(() => expect(b.isSuspect('user')).toBe(true));

    expect(b.isSuspect('order')).toBe(false);
  });

  it('tells onSuspect listeners which service another instance reported', async () => {
    const a = await gatewayProcess({ redisUrl, keyPrefix });
    const b = await gatewayProcess({ redisUrl, keyPrefix });
    const heard: ServiceName[] = [];
    a.onSuspect((service) => heard.push(service));

    b.announceOpen('order');
    b.announceOpen('preference');

    await vi.waitFor(() => expect(heard).toEqual(['order', 'preference']));
  });

  it('stops calling a listener once it unsubscribes', async () => {
    const a = await gatewayProcess({ redisUrl, keyPrefix });
    const b = await gatewayProcess({ redisUrl, keyPrefix });
    const stillListening = vi.fn();
    const unsubscribed = vi.fn();
    a.onSuspect(stillListening);
    const unsubscribe = a.onSuspect(unsubscribed);

    unsubscribe();
    b.announceOpen('order');

    await vi.waitFor(() => expect(stillListening).toHaveBeenCalledWith('order'));
    expect(unsubscribed).not.toHaveBeenCalled();
  });

  it('keeps telling the other listeners when one of them throws', async () => {
    const a = await gatewayProcess({ redisUrl, keyPrefix });
    const b = await gatewayProcess({ redisUrl, keyPrefix });
    const healthy = vi.fn();
    a.onSuspect(() => {
      throw new Error('listener bug');
    });
    a.onSuspect(healthy);

    b.announceOpen('order');

    await vi.waitFor(() => expect(healthy).toHaveBeenCalledWith('order'));
    expect(a.isSuspect('order')).toBe(true);
  });

  it('stops treating a service as suspect once its suspect window has passed without a new report', async () => {
    let clock = 1_000_000;
    const a = await gatewayProcess({ redisUrl, keyPrefix, now: () => clock });
    const b = await gatewayProcess({ redisUrl, keyPrefix });

    b.announceOpen('order');
    await vi.waitFor(() => expect(a.isSuspect('order')).toBe(true));

    clock += SUSPECT_FOR_MS.order - 1;
    expect(a.isSuspect('order')).toBe(true);
    clock += 1;
    expect(a.isSuspect('order')).toBe(false);
  });

  it('starts a new suspect window, and tells listeners again, when the service fails again after the window passed', async () => {
    let clock = 1_000_000;
    const a = await gatewayProcess({ redisUrl, keyPrefix, now: () => clock });
    const b = await gatewayProcess({ redisUrl, keyPrefix });
    const heard: ServiceName[] = [];
    a.onSuspect((service) => heard.push(service));

    b.announceOpen('order');
    await vi.waitFor(() => expect(a.isSuspect('order')).toBe(true));
    clock += SUSPECT_FOR_MS.order;
    b.announceOpen('order');

    await vi.waitFor(() => expect(a.isSuspect('order')).toBe(true));
    expect(heard).toEqual(['order', 'order']);
  });

  it('does not reach gateway instances of another deployment that uses a different prefix', async () => {
    const a = await gatewayProcess({ redisUrl, keyPrefix });
    const b = await gatewayProcess({ redisUrl, keyPrefix });
    const elsewhere = await gatewayProcess({ redisUrl, keyPrefix: `test:${randomUUID()}:` });

    b.announceOpen('order');

    await vi.waitFor(() => expect(a.isSuspect('order')).toBe(true));
    expect(elsewhere.isSuspect('order')).toBe(false);
  });

  it('ignores malformed messages on the channel and keeps listening', async () => {
    const a = await gatewayProcess({ redisUrl, keyPrefix });
    const channel = `${keyPrefix}outage`;
    const stranger = randomUUID();
    const garbage = [
      'not json',
      '',
      '42',
      'null',
      '"order"',
      '[]',
      '{}',
      JSON.stringify({ service: 'payment', origin: stranger, at: 1 }),
      JSON.stringify({ service: '__proto__', origin: stranger, at: 1 }),
      JSON.stringify({ service: 'toString', origin: stranger, at: 1 }),
      JSON.stringify({ service: 'order', at: 1 }),
      JSON.stringify({ service: 'order', origin: '', at: 1 }),
      JSON.stringify({ service: 'order', origin: 7, at: 1 }),
      JSON.stringify({ service: 'order', origin: stranger }),
      JSON.stringify({ service: 'order', origin: stranger, at: 'yesterday' }),
      JSON.stringify({ service: ['order'], origin: stranger, at: 1 }),
    ];

    for (const message of garbage) {
      await plainClient.publish(channel, message);
    }
    // Redis delivers in publish order, so once this report lands every message above was handled.
    await plainClient.publish(channel, JSON.stringify({ service: 'user', origin: stranger, at: Date.now() }));

    await vi.waitFor(() => expect(a.isSuspect('user')).toBe(true));
    expect(a.isSuspect('order')).toBe(false);
    expect(a.isSuspect('preference')).toBe(false);
  });

  it('starts sharing outages once Redis comes back after the gateway instance booted without it', async () => {
    const door = await redisDoor(redisUrl);
    try {
      const a = await gatewayProcess({ redisUrl: door.url, keyPrefix });
      const b = await gatewayProcess({ redisUrl, keyPrefix });

      door.open();

      await expectHeard(a, b, 'order');
    } finally {
      await door.close();
    }
  });

  it('hears reports again after its connection to Redis drops and comes back', async () => {
    const door = await redisDoor(redisUrl);
    door.open();
    try {
      const a = await gatewayProcess({ redisUrl: door.url, keyPrefix });
      const b = await gatewayProcess({ redisUrl, keyPrefix });
      await expectHeard(a, b, 'order');

      door.cutConnections();

      await expectHeard(a, b, 'user');
    } finally {
      await door.close();
    }
  });

  it('closes both connections so that later announcements go nowhere and throw nothing', async () => {
    const a = await gatewayProcess({ redisUrl, keyPrefix });

    await expect(closeWithin(a, 2_000)).resolves.toBe('closed');

    expect(() => a.announceOpen('order')).not.toThrow();
    await expect(a.close()).resolves.toBeUndefined();
  });
});

// Needs no live Redis, so it runs everywhere: this is the failure the signal must absorb.
describe(`${RedisOutageSignal.name} when Redis is unreachable`, () => {
  it('announces without throwing or waiting, suspects nothing and still closes promptly', async () => {
    const unhandled: unknown[] = [];
    const recordUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', recordUnhandled);
    try {
      const signal = new RedisOutageSignal({
        redisUrl: UNREACHABLE_REDIS_URL,
        keyPrefix: `test:${randomUUID()}:`,
        suspectForMs: SUSPECT_FOR_MS,
      });
      opened.push(signal);

      // Returns nothing to await: a caller on the breaker's path can never be held up.
      expect(signal.announceOpen('order')).toBeUndefined();
      for (const service of SERVICE_NAMES) {
        expect(signal.isSuspect(service)).toBe(false);
      }
      await expect(signal.ready()).resolves.toBeUndefined();
      signal.announceOpen('user');
      await sleep(50);

      await expect(closeWithin(signal, 2_000)).resolves.toBe('closed');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', recordUnhandled);
    }
  });

  it('announces without waiting and still closes promptly when Redis accepts connections but never answers', async () => {
    // A black hole: the TCP handshake succeeds, then not one byte comes back, like a Redis stuck on a slow disk.
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => {
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as AddressInfo;
    try {
      const signal = new RedisOutageSignal({
        redisUrl: `redis://127.0.0.1:${port}`,
        keyPrefix: `test:${randomUUID()}:`,
        suspectForMs: SUSPECT_FOR_MS,
      });
      opened.push(signal);
      await vi.waitFor(() => expect(sockets.size).toBe(2));

      expect(signal.announceOpen('order')).toBeUndefined();
      await expect(signal.ready()).resolves.toBeUndefined();
      expect(signal.isSuspect('order')).toBe(false);

      await expect(closeWithin(signal, 2_000)).resolves.toBe('closed');
    } finally {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    }
  });

  it('logs the outage once per connection rather than on every failed attempt', async () => {
    const signal = new RedisOutageSignal({
      redisUrl: UNREACHABLE_REDIS_URL,
      keyPrefix: `test:${randomUUID()}:`,
      suspectForMs: SUSPECT_FOR_MS,
    });
    opened.push(signal);

    for (let i = 0; i < 10; i += 1) {
      signal.announceOpen('order');
    }
    // ready() gives up after about a second, long enough for several reconnect attempts.
    await signal.ready();

    // One line for the publisher, one for the subscriber.
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls.flat().join('\n')).not.toContain('not-for-logs');
  });
});

describe(LocalOutageSignal.name, () => {
  it('never treats a service as suspect, even after announcing its own breaker opened', async () => {
    const signal = new LocalOutageSignal();
    const listener = vi.fn();
    const unsubscribe = signal.onSuspect(listener);

    for (const service of SERVICE_NAMES) {
      expect(signal.announceOpen(service)).toBeUndefined();
    }

    for (const service of SERVICE_NAMES) {
      expect(signal.isSuspect(service)).toBe(false);
    }
    expect(listener).not.toHaveBeenCalled();
    unsubscribe();
    await expect(signal.close()).resolves.toBeUndefined();
  });
});
