import { SERVICE_NAMES, type ServiceName } from '@app/config';
import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { randomUUID } from 'node:crypto';

export interface OutageSignal {
  /** Tells the other gateway processes that this service's breaker just opened here. Never throws, never waits. */
  announceOpen(service: ServiceName): void;
  /** True while a report from another process about this service is younger than its suspect window. */
  isSuspect(service: ServiceName): boolean;
  /** Subscribes to changes, for logging and the breaker; returns an unsubscribe function. */
  onSuspect(listener: (service: ServiceName) => void): () => void;
  close(): Promise<void>;
}

/** For a single process without Redis: nothing to share, nothing is ever suspect. */
export class LocalOutageSignal implements OutageSignal {
  announceOpen(_service: ServiceName): void {
    // A lone process has nobody to tell: its own breaker already knows.
  }

  isSuspect(_service: ServiceName): boolean {
    return false;
  }

  onSuspect(_listener: (service: ServiceName) => void): () => void {
    return () => undefined;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export interface RedisOutageSignalOptions {
  redisUrl: string;
  /** Prefix of the channel name, e.g. 'bff:' -> channel 'bff:outage'. */
  keyPrefix: string;
  /** How long a report keeps each service suspect. */
  suspectForMs: Record<ServiceName, number>;
  /** Injectable clock for tests; defaults to Date.now. */
  now?: () => number;
}

/** What travels on the channel. `origin` lets a process recognise, and ignore, its own announcements. */
interface OutageReport {
  service: ServiceName;
  origin: string;
  at: number;
}

type Connection = 'publisher' | 'subscriber';

/** ready() never keeps a booting gateway waiting longer than this for a Redis that may be down. */
const READY_WAIT_MS = 1_000;
/** Redis down means an error on every reconnect attempt; one line per connection per interval says it all. */
const ERROR_LOG_INTERVAL_MS = 30_000;
/** close() waits this long for a polite QUIT before cutting the socket. */
const QUIT_WAIT_MS = 500;

function connectionOptions(): RedisOptions {
  return {
    // Reject commands at once while Redis is unavailable rather than queueing them:
    // a queued announcement would arrive late and describe an outage that may be over.
    enableOfflineQueue: false,
    // A lost announcement only costs the old behaviour, so one retry is plenty.
    maxRetriesPerRequest: 1,
    // A Redis that never completes the TCP handshake is dropped and retried after 1 s, not the default 10 s.
    connectTimeout: 1_000,
    // Bounded backoff, and never give up: the signal comes back on its own once Redis does.
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
    // The subscriber subscribes on every 'ready' itself (see subscribeOnReady), which also
    // covers a first SUBSCRIBE that failed because Redis was down when the process booted.
    autoResubscribe: false,
  };
}

function isServiceName(value: unknown): value is ServiceName {
  return typeof value === 'string' && SERVICE_NAMES.some((name) => name === value);
}

/** Anything on the channel may be garbage (another version, a hand-typed PUBLISH): accept only a complete report. */
function parseReport(message: string): OutageReport | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const { service, origin, at } = value as Record<string, unknown>;
  if (!isServiceName(service) || typeof origin !== 'string' || origin === '') {
    return undefined;
  }
  if (typeof at !== 'number' || !Number.isFinite(at)) {
    return undefined;
  }
  return { service, origin, at };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function quitPromptly(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, QUIT_WAIT_MS);
    });
    // QUIT fails only when the connection is going away already; disconnect() below finishes the job either way.
    const quit = connection.quit().then(
      () => undefined,
      () => undefined,
    );
    await Promise.race([quit, gaveUp]);
    clearTimeout(timer);
  }
  // Also stops the reconnect timer of a connection that never reached Redis, so nothing keeps the process alive.
  connection.disconnect();
}

/**
 * Shares breaker openings between gateway processes through Redis pub/sub.
 *
 * Each gateway process has a circuit breaker per upstream service. Without
 * this, every process discovers an outage on its own, each paying its own
 * failed calls before its breaker opens. With it, a process whose breaker
 * opens announces it, and the others treat the service as suspect for a while
 * (their breakers then open on a shorter threshold).
 *
 * It is a hint, never a verdict: every process still decides for itself, and
 * a lost message only costs the old behaviour. So Redis down or slow must
 * never throw into callers, block them, or crash the process: announcements
 * are fire-and-forget, `isSuspect` reads memory only, and every connection
 * error is logged (rate-limited) and otherwise ignored.
 *
 * `onSuspect` listeners hear a service when a report makes it suspect, not on
 * every report that merely extends its window.
 */
export class RedisOutageSignal implements OutageSignal {
  private readonly logger = new Logger(RedisOutageSignal.name);
  /** Lets this instance recognise its own announcements when Redis echoes them back. */
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly suspectForMs: Record<ServiceName, number>;
  private readonly now: () => number;
  // A subscribed RESP2 connection cannot publish, and keeping the two apart means a
  // reconnecting subscriber never delays an announcement, nor the reverse.
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  /** When each service stops being suspect, on this process's clock. */
  private readonly suspectUntil = new Map<ServiceName, number>();
  private readonly listeners = new Set<(service: ServiceName) => void>();
  private readonly lastErrorLogAt: Record<Connection, number> = {
    publisher: Number.NEGATIVE_INFINITY,
    subscriber: Number.NEGATIVE_INFINITY,
  };
  private readonly readyPromise: Promise<void>;
  /** What ready() waits for: hearing the channel, and a publisher that can send at once (it queues nothing). */
  private subscribed = false;
  private canPublish = false;
  private resolveReady: () => void = () => undefined;
  private readyTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: RedisOutageSignalOptions) {
    this.channel = `${options.keyPrefix}outage`;
    this.suspectForMs = options.suspectForMs;
    this.now = options.now ?? Date.now;
    this.readyPromise = new Promise<void>((resolve) => {
      this.resolveReady = resolve;
    });
    this.readyTimer = setTimeout(() => this.markReady(), READY_WAIT_MS);
    // Nothing about the signal is worth keeping a process alive for.
    this.readyTimer.unref();

    this.publisher = new Redis(options.redisUrl, {
      ...connectionOptions(),
      // A slow Redis fails an announcement quickly instead of piling them up.
      commandTimeout: 500,
      connectionName: 'outage-signal-publisher',
    });
    this.subscriber = new Redis(options.redisUrl, {
      ...connectionOptions(),
      connectionName: 'outage-signal-subscriber',
    });
    // Without a listener ioredis prints every connection error to stderr, once per reconnect attempt.
    this.publisher.on('error', (error: unknown) => this.logError('publisher', error));
    this.subscriber.on('error', (error: unknown) => this.logError('subscriber', error));
    this.publisher.on('ready', () => {
      this.canPublish = true;
      this.readyWhenBoth();
    });
    this.subscriber.on('ready', () => this.subscribeOnReady());
    this.subscriber.on('message', (channel: string, message: string) => this.receive(channel, message));
  }

  /** Resolves once subscribed and able to announce, or after about a second if Redis is not there; never rejects. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  announceOpen(service: ServiceName): void {
    if (this.closing !== undefined) {
      return;
    }
    const report: OutageReport = { service, origin: this.origin, at: this.now() };
    this.publisher
      .publish(this.channel, JSON.stringify(report))
      .catch((error: unknown) => this.logError('publisher', error));
  }

  isSuspect(service: ServiceName): boolean {
    const until = this.suspectUntil.get(service);
    return until !== undefined && this.now() < until;
  }

  onSuspect(listener: (service: ServiceName) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.listeners.clear();
    this.markReady();
    await Promise.all([quitPromptly(this.publisher), quitPromptly(this.subscriber)]);
  }

  private subscribeOnReady(): void {
    if (this.closing !== undefined) {
      return;
    }
    this.subscriber.subscribe(this.channel).then(
      () => {
        this.subscribed = true;
        this.readyWhenBoth();
      },
      (error: unknown) => this.logError('subscriber', error),
    );
  }

  /** An announcement made before the publisher connects is dropped, not queued: ready() waits for it too. */
  private readyWhenBoth(): void {
    if (this.subscribed && this.canPublish) {
      this.markReady();
    }
  }

  private markReady(): void {
    clearTimeout(this.readyTimer);
    this.readyTimer = undefined;
    this.resolveReady();
  }

  private receive(channel: string, message: string): void {
    if (channel !== this.channel || this.closing !== undefined) {
      return;
    }
    const report = parseReport(message);
    if (report === undefined) {
      this.logger.debug(`Ignored a malformed message on ${this.channel}`);
      return;
    }
    if (report.origin === this.origin) {
      return;
    }
    const wasSuspect = this.isSuspect(report.service);
    // The window runs from arrival on our own clock, not from `at`: the hosts' clocks may disagree,
    // and pub/sub delivers within milliseconds or not at all.
    this.suspectUntil.set(report.service, this.now() + this.suspectForMs[report.service]);
    if (!wasSuspect) {
      this.notify(report.service);
    }
  }

  private notify(service: ServiceName): void {
    for (const listener of this.listeners) {
      try {
        listener(service);
      } catch (error) {
        // A faulty listener must not stop the others, nor escape into ioredis's event loop.
        this.logger.error(`An outage listener threw for the ${service} service: ${describeError(error)}`);
      }
    }
  }

  /** The message names the failure, never the connection URL, which may carry a password. */
  private logError(connection: Connection, error: unknown): void {
    // Commands cut short by close() fail too; that is the point of closing, not news.
    if (this.closing !== undefined) {
      return;
    }
    const now = this.now();
    if (now - this.lastErrorLogAt[connection] < ERROR_LOG_INTERVAL_MS) {
      return;
    }
    this.lastErrorLogAt[connection] = now;
    this.logger.warn(
      `Redis ${connection} for outage signals failed (${describeError(error)}); ` +
        `breaker openings are not shared until it recovers. Next report in ${ERROR_LOG_INTERVAL_MS / 1_000} s at the earliest.`,
    );
  }
}
