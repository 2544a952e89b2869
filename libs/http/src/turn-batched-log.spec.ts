import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep, setImmediate as turnEnd } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  byteDestination,
  MAX_UNWRITTEN_LOG_BYTES,
  TurnBatchedLog,
  writesWithoutWaiting,
  type ByteDestination,
} from './turn-batched-log.js';

describe(TurnBatchedLog.name, () => {
  let dir: string;
  let file: string;
  /** sonic-boom, for its events and its end; typed as the log sees it for its writes. */
  let destination: Omit<ReturnType<typeof pino.destination>, 'write'> & ByteDestination;
  /** Bytes of each write the destination made, in order. */
  let writes: number[];
  /** Destinations a test made of its own, closed after it. */
  let others: (typeof destination)[];

  /** A destination of the test's own, closed with the others after it. */
  function otherDestination(dest: string, sync: boolean): typeof destination {
    const made = byteDestination(dest, sync) as typeof destination;
    others.push(made);
    return made;
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'turn-batched-log-'));
    file = join(dir, 'log');
    destination = byteDestination(file) as typeof destination;
    await once(destination, 'ready');
    writes = [];
    destination.on('write', (bytes: number) => writes.push(bytes));
    others = [];
  });

  afterEach(() => {
    destination.destroy();
    others.forEach((other) => other.destroy());
    rmSync(dir, { recursive: true, force: true });
  });

  const logged = (): string => readFileSync(file, 'utf8');

  async function written(bytes: number): Promise<void> {
    while (writes.reduce((sum, n) => sum + n, 0) < bytes) {
      await once(destination, 'write');
    }
  }

  it("writes a turn's lines together, in order, once that turn ends", async () => {
    const handed: string[] = [];
    const write = destination.write.bind(destination);
    destination.write = (data: Buffer) => {
      handed.push(data.toString('utf8'));
      return write(data);
    };
    const log = new TurnBatchedLog(destination);

    log.write('{"n":1}\n');
    log.write('{"n":2}\n');
    log.write('{"n":3}\n');
    expect(handed).toEqual([]);
    await turnEnd();
    await written(24);

    expect(handed).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n']);
    expect(logged()).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
    expect(writes).toEqual([24]);
  });

  it("keeps later turns' lines after earlier ones, none lost while a write is in flight", async () => {
    const log = new TurnBatchedLog(destination);

    for (let turn = 0; turn < 20; turn += 1) {
      log.write(`{"turn":${turn}}\n`);
      await turnEnd();
    }
    await written(logLength(20));

    expect(logged().trimEnd().split('\n')).toEqual(
      Array.from({ length: 20 }, (_, turn) => `{"turn":${turn}}`),
    );
  });

  it('puts every line on disk before flushSync returns, as it does when the process exits', () => {
    const log = new TurnBatchedLog(destination);

    log.write('{"last":true}\n');
    log.flushSync();

    expect(logged()).toBe('{"last":true}\n');
  });

  it('carries a whole pino logger, one JSON line per call', async () => {
    const logger = pino({ base: {} }, new TurnBatchedLog(destination));

    logger.info({ requestId: 'r-1' }, 'request completed');
    logger.warn({ requestId: 'r-2' }, 'request refused');
    await turnEnd();
    await waitForLines(2);

    const lines = logged()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toMatchObject([
      { level: 30, requestId: 'r-1', msg: 'request completed' },
      { level: 40, requestId: 'r-2', msg: 'request refused' },
    ]);
  });

  it('drops, without throwing, lines written after the destination has ended', async () => {
    const log = new TurnBatchedLog(destination);
    destination.end();
    await once(destination, 'close');

    log.write('{"late":true}\n');
    await turnEnd();

    expect(logged()).toBe('');
  });

  it("writes a turn's lines in one go through a synchronous destination, on disk as soon as the turn ends", async () => {
    const syncDestination = otherDestination(join(dir, 'sync-log'), true);
    const log = new TurnBatchedLog(syncDestination);

    log.write('{"turn":0,"line":0}\n');
    log.write('{"turn":0,"line":1}\n');
    await turnEnd();

    expect(readFileSync(join(dir, 'sync-log'), 'utf8')).toBe('{"turn":0,"line":0}\n{"turn":0,"line":1}\n');
  });

  it('keeps the process up when its destination fails a write, as on a full disk', async () => {
    for (const sync of [false, true]) {
      const full = otherDestination('/dev/full', sync);
      const log = new TurnBatchedLog(full);

      log.write('{"disk":"full"}\n');
      await turnEnd();
      // Time for the thread pool's write to fail; an 'error' event nobody heard would end this process.
      await sleep(100);

      // Vitest fails the run on an error nobody handled; the log itself must go on taking lines.
      expect(() => log.write('{"disk":"still full"}\n')).not.toThrow();
      // An 'error' event nobody hears throws where it is emitted.
      expect(() =>
        full.emit('error', Object.assign(new Error('no space left'), { code: 'ENOSPC' })),
      ).not.toThrow();
      await turnEnd();
      await sleep(100);
    }
  });

  it('drops lines past its bound rather than keep them for a destination that takes none', async () => {
    const full = otherDestination('/dev/full', true);
    const dropped: number[] = [];
    full.on('drop', (data: Buffer) => dropped.push(data.length));
    const log = new TurnBatchedLog(full);
    const half = MAX_UNWRITTEN_LOG_BYTES / 2;

    log.write('x'.repeat(half - 1) + '\n');
    await turnEnd();
    log.write('y'.repeat(half) + '\n');
    await turnEnd();

    expect(dropped).toEqual([half + 1]);
  });

  async function waitForLines(count: number): Promise<void> {
    while (logged().split('\n').length - 1 < count) {
      await once(destination, 'write');
    }
  }
});

describe(writesWithoutWaiting.name, () => {
  let dir: string;
  const opened: number[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'writes-without-waiting-'));
  });

  afterEach(() => {
    opened.splice(0).forEach((fd) => closeSync(fd));
    rmSync(dir, { recursive: true, force: true });
  });

  function open(path: string, flags: string): number {
    const fd = openSync(path, flags);
    opened.push(fd);
    return fd;
  }

  it('writes to a regular file and to /dev/null synchronously: no reader can hold such a write up', () => {
    expect(writesWithoutWaiting(open(join(dir, 'log'), 'w'))).toBe(true);
    expect(writesWithoutWaiting(open('/dev/null', 'w'))).toBe(true);
  });

  it('keeps writes to a pipe asynchronous, so a reader that lags never stalls the requests', () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    // Read-write, so the open does not wait for a reader.
    expect(writesWithoutWaiting(open(fifo, 'r+'))).toBe(false);
  });

  it('keeps writes asynchronous to a descriptor it cannot inspect', () => {
    expect(writesWithoutWaiting(-1)).toBe(false);
  });
});

/** Bytes of `{"turn":0}\n` to `{"turn":<count - 1>}\n`. */
function logLength(count: number): number {
  return Array.from({ length: count }, (_, turn) => `{"turn":${turn}}\n`.length).reduce((a, b) => a + b, 0);
}
