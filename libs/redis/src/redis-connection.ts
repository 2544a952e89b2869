import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { BrokenCircuitError, CircuitState, circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
import { Redis, type RedisOptions } from 'ioredis';
import { createHash } from 'node:crypto';

/** A Lua script run with {@link RedisConnection.runScript}; define each once, as a module constant. */
export interface LuaScript {
  lua: string;
}

const LOG_EVERY_MS = 30_000;
/** The heartbeats whose answers set Redis's clock as this instance reads it: the last 30 s. */
const CLOCK_SAMPLES = 60;

/** This process's wall clock, in microseconds, finer than Date.now(). */
function localMicros(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

/**
 * How often an instance PINGs Redis. A Redis that stalls, or a network that
 * drops packets, leaves both connections open and silent: an instance
 * whose requests send Redis nothing (answers served from memory, rate
 * limits on a lease) would never learn that the invalidations it relies
 * on no longer arrive. Three missed PINGs open the breaker.
 */
const HEARTBEAT_MS = 500;
const CONNECT_TIMEOUT_MS = 1_000;

/** Connection choices that keep a Redis outage from ever holding a request up. */
function resilientOptions(commandTimeoutMs: number): RedisOptions {
  return {
    // Reject commands at once while Redis is unavailable rather than queueing them behind a reconnect.
    enableOfflineQueue: false,
    // One attempt per command: the cache is an optimisation, a miss is always an acceptable answer.
    maxRetriesPerRequest: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // A slow Redis costs a request at most this, then the call goes on without the cache.
    commandTimeout: commandTimeoutMs,
    // Keep trying for ever, backing off to 2 s, so the cache resumes by itself when Redis is back.
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
  };
}

/**
 * The gateway's Redis connections (one for commands, one for subscriptions,
 * which cannot send commands), or none without `REDIS_URL`. Every failure is
 * logged now and then and swallowed: callers get `undefined` and carry on.
 */
@Injectable()
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnection.name);
  readonly client: Redis | undefined;
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Array<(message: string) => void>>();
  /** Each script's SHA-1, which EVALSHA names it by. */
  private readonly scriptShas = new WeakMap<LuaScript, string>();
  private lastLoggedAt = 0;
  private closed = false;
  /** Whether the subscriber holds its subscriptions now: broadcasts sent meanwhile reach this instance. */
  private subscribed = false;
  private readonly recoveryListeners: Array<() => void> = [];
  private heartbeat: NodeJS.Timeout | undefined;
  /** Redis's clock less this process's, in microseconds, from the quickest recent heartbeat (see {@link now}). */
  private clockOffsetMicros: number | undefined;
  private readonly clockSamples: { offset: number; roundTrip: number }[] = [];
  private nextSample = 0;
  /**
   * Whether Redis refused the database REDIS_URL names (one it does not
   * have): ioredis reports the failed SELECT and goes on, ready, in
   * database 0, where every key would land beside another application's.
   */
  private wrongDatabase = false;
  /**
   * A Redis that stops answering but keeps its socket open would cost every
   * command its full timeout; after a few timeouts in a row the gateway stops
   * asking for a moment, then tries one command again.
   */
  private readonly breaker = circuitBreaker(handleAll, {
    halfOpenAfter: 2_000,
    breaker: new ConsecutiveBreaker(3),
  });

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    if (config.redisUrl !== undefined) {
      this.client = new Redis(config.redisUrl, {
        ...resilientOptions(config.redisCommandTimeoutMs),
        // Commands issued in the same tick (the cache reads of concurrent requests, their rate-limit updates)
        // leave in one write and come back in one read: far fewer syscalls under load.
        enableAutoPipelining: true,
      });
      this.client.on('connect', () => {
        this.wrongDatabase = false;
      });
      // Emitted during the handshake, before 'ready': no command of ours has been sent yet.
      this.client.on('error', (error: Error) => {
        if (/DB index is out of range/i.test(error.message)) {
          this.wrongDatabase = true;
        }
        this.warn('redis', error);
      });
      this.client.on('ready', () => {
        this.recovered();
        // Redis's clock is known from the first answer on, not from the first heartbeat.
        void this.answers();
      });
      this.breaker.onReset(() => this.recovered());
      this.heartbeat = setInterval(() => void this.answers(), HEARTBEAT_MS).unref();
    }
  }

  /**
   * Waits for the first connection, at most the connect timeout, so an app
   * does not take traffic it would serve without its shared state; a Redis
   * that is down does not hold the start up longer than that.
   */
  async onModuleInit(): Promise<void> {
    const client = this.client;
    if (client === undefined || client.status === 'ready') {
      return;
    }
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, CONNECT_TIMEOUT_MS);
      client.once('ready', done);
    });
  }

  /** Connected and ready, to the database REDIS_URL names. */
  private get connected(): boolean {
    return this.client?.status === 'ready' && !this.wrongDatabase;
  }

  /** Whether commands can be sent right now. */
  get isUp(): boolean {
    return this.connected && this.breaker.state !== CircuitState.Open;
  }

  /**
   * Whether Redis answers a command within the command timeout now: a
   * connection can be open, and `isUp`, to a Redis that answers nothing (a
   * stalled process, a long command), which an instance sending no other
   * commands would not notice. A command that fails counts against the
   * breaker like any other.
   */
  async answers(): Promise<boolean> {
    // TIME rather than PING: as cheap, and each answer sets the clock `now()` reads.
    const sentAt = localMicros();
    const time = await this.run((redis) => redis.time());
    if (!Array.isArray(time)) {
      return false;
    }
    const receivedAt = localMicros();
    this.clockSamples[this.nextSample] = {
      offset: Number(time[0]) * 1_000_000 + Number(time[1]) - (sentAt + receivedAt) / 2,
      roundTrip: receivedAt - sentAt,
    };
    this.nextSample = (this.nextSample + 1) % CLOCK_SAMPLES;
    let best = this.clockSamples[0];
    for (const sample of this.clockSamples) {
      best = sample.roundTrip < best.roundTrip ? sample : best;
    }
    this.clockOffsetMicros = best.offset;
    return true;
  }

  /**
   * Redis's clock now, in whole microseconds, as this instance reads it from
   * the heartbeat's answers; undefined before the first. Redis read its
   * clock somewhere between the command leaving and its answer being read,
   * so the middle of the quickest recent round trip sets it (as NTP does):
   * within half that round trip of Redis's own, however busy the event loop
   * was for the others. Taking the answer's arrival instead put it a whole
   * delay behind, which under load was milliseconds, so that entries
   * loaded just after a user's drop were taken for older than it.
   */
  now(): number | undefined {
    return this.clockOffsetMicros === undefined
      ? undefined
      : Math.floor(localMicros() + this.clockOffsetMicros);
  }

  /**
   * Whether this instance hears the broadcasts other instances send through
   * Redis now: subscribed over a live connection, and Redis answering its
   * commands (a stalled Redis keeps the subscriber's socket open and
   * delivers nothing). While it does not, another instance's change cannot
   * reach it. False without Redis.
   */
  get hearsBroadcasts(): boolean {
    return this.subscribed && this.isAnswering;
  }

  /**
   * Whether Redis answered this instance's latest commands, the heartbeat's
   * PINGs among them: connected to the database REDIS_URL names, its breaker
   * closed. Not while half-open either: the probe that would tell has not
   * come back. False without Redis.
   */
  get isAnswering(): boolean {
    return this.connected && this.breaker.state === CircuitState.Closed;
  }

  /**
   * Calls `listener` each time Redis is back for this instance: a
   * connection made (the first one too: an instance that started while
   * Redis was down has served without it), a subscription renewed,
   * commands answered again after a stall. What was broadcast or refused
   * meanwhile was missed.
   */
  onRecovered(listener: () => void): void {
    this.recoveryListeners.push(listener);
  }

  /** Whether Redis refused the database REDIS_URL names: a configuration to fix, not an outage to wait out. */
  get refusedDatabase(): boolean {
    return this.wrongDatabase;
  }

  get keyPrefix(): string {
    return this.config.redisKeyPrefix;
  }

  /**
   * Runs a Lua script as {@link run} runs a command: by its SHA-1 (EVALSHA),
   * sending its text (EVAL) only when Redis does not know it yet, rather than
   * the whole script on every call. Not ioredis's defineCommand: its scripts
   * break auto-pipelining ("results[i] is not iterable" in ioredis 6).
   */
  async runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    let sha = this.scriptShas.get(script);
    if (sha === undefined) {
      sha = createHash('sha1').update(script.lua).digest('hex');
      this.scriptShas.set(script, sha);
    }
    const known = sha;
    return this.run(async (client) => {
      try {
        return await client.evalsha(known, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) {
          throw error;
        }
        return client.eval(script.lua, keys.length, ...keys, ...args);
      }
    });
  }

  /** Runs a command if Redis is up; any failure or timeout is `undefined`, never an exception. */
  async run<T>(command: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    const client = this.client;
    if (client === undefined || client.status !== 'ready' || this.wrongDatabase) {
      return undefined;
    }
    try {
      return await this.breaker.execute(() => command(client));
    } catch (error) {
      if (!(error instanceof BrokenCircuitError)) {
        this.warn('redis command', error);
      }
      return undefined;
    }
  }

  /**
   * Resolves once Redis has taken the message, by which time it has written it to every subscriber's
   * connection; never rejects (a message Redis cannot take is lost, as with any broadcast).
   */
  async publish(channel: string, message: string): Promise<void> {
    await this.run((redis) => redis.publish(channel, message));
  }

  /** Calls `handler` with every message on `channel`, across reconnects. */
  subscribe(channel: string, handler: (message: string) => void): void {
    if (this.config.redisUrl === undefined) {
      return;
    }
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
    if (this.subscriber === undefined) {
      const subscriber = new Redis(this.config.redisUrl, {
        ...resilientOptions(this.config.redisCommandTimeoutMs),
        // Subscriptions are renewed on every (re)connect below, including one that first failed.
        autoResubscribe: false,
        commandTimeout: undefined,
      });
      subscriber.on('error', (error: Error) => this.warn('redis subscriber', error));
      subscriber.on('close', () => {
        this.subscribed = false;
      });
      subscriber.on('ready', () => {
        subscriber
          .subscribe(...this.handlers.keys())
          .then(() => {
            this.subscribed = true;
            this.recovered();
          })
          .catch((error: unknown) => this.warn('redis subscribe', error));
      });
      subscriber.on('message', (from: string, message: string) => {
        for (const listener of this.handlers.get(from) ?? []) {
          listener(message);
        }
      });
      this.subscriber = subscriber;
    } else if (this.subscriber.status === 'ready') {
      this.subscriber.subscribe(channel).catch((error: unknown) => this.warn('redis subscribe', error));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    await Promise.all([this.client, this.subscriber].map((connection) => quit(connection)));
  }

  private recovered(): void {
    for (const listener of this.recoveryListeners) {
      listener();
    }
  }

  private warn(what: string, error: unknown): void {
    const now = Date.now();
    if (this.closed || now - this.lastLoggedAt < LOG_EVERY_MS) {
      return;
    }
    this.lastLoggedAt = now;
    this.logger.warn(
      `${what} failed, going on without Redis: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** A polite QUIT when Redis answers, a hard disconnect when it does not, within half a second either way. */
async function quit(connection: Redis | undefined): Promise<void> {
  if (connection === undefined) {
    return;
  }
  const timer = setTimeout(() => connection.disconnect(), 500);
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
