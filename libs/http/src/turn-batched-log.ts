import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import { register as onExit } from 'on-exit-leak-free';
import { pino, type DestinationStream } from 'pino';

/** The stream pino.destination() gives, sonic-boom, in its `buffer` content mode, which its types do not describe. */
export interface ByteDestination {
  readonly fd: number;
  write(data: Buffer): boolean;
  flush(callback?: (error?: Error) => void): void;
  flushSync(): void;
}

/**
 * Past this many bytes waiting for a destination that takes none (a full
 * disk, a pipe nobody reads), new lines are dropped rather than kept: a log
 * that cannot be written must not grow the heap until the process dies.
 */
export const MAX_UNWRITTEN_LOG_BYTES = 16 * 1024 * 1024;

/**
 * pino's destination, asynchronous unless `sync`, taking bytes. In its
 * default `utf8` mode sonic-boom measures each write's byte length and its
 * last chunk's again, scanning (and first flattening) the turn's concatenated lines
 * twice before fs.write encodes them once more; handed bytes, encoded here
 * once, it only keeps and writes them. Alternating rounds: cache hits at
 * 0.81x the CPU, misses at 0.91x and 0.98x in two runs (bench/RESULTS.md).
 */
export function byteDestination(dest: number | string, sync = false): ByteDestination {
  const destination = pino.destination({
    dest,
    sync,
    contentMode: 'buffer',
    maxLength: MAX_UNWRITTEN_LOG_BYTES,
  });
  /*
   * pino passes on every write error but EPIPE, and an 'error' event nobody
   * hears ends the process: a full disk would. The destination keeps a
   * write it failed and tries it again with the next one, up to
   * MAX_UNWRITTEN_LOG_BYTES; the failure itself has nowhere left to be logged.
   */
  destination.on('error', () => undefined);
  return destination as unknown as ByteDestination;
}

/**
 * Whether a synchronous write to `fd` can never wait on a reader: a regular
 * file takes it into the page cache, a device such as /dev/null drops it.
 * Such a descriptor is better written synchronously, a turn's lines at a
 * time: handed to the thread pool instead, each write held the event loop
 * 63 µs (2,092 writes of about 4 KB in 22,000 cache misses, timed), written
 * synchronously 21 µs, 6 µs of every request's event loop time down to 2
 * (bench/RESULTS.md). A pipe, a socket or a terminal can fill up when its
 * reader lags, and a synchronous write would then stall every request: those
 * stay asynchronous.
 */
export function writesWithoutWaiting(fd: number): boolean {
  try {
    const stats = fstatSync(fd);
    return stats.isFile() || (stats.isCharacterDevice() && !isatty(fd));
  } catch {
    return false;
  }
}

/**
 * Log lines leave at the end of the event loop's turn, the turn's lines in
 * one write, as answers do (write-at-turn-end.ts). pino's asynchronous
 * destination writes each line on its own whenever no write is in flight:
 * one thread-pool round trip per access line, about 13 µs of a cache
 * miss's 473 µs of CPU (bench/RESULTS.md). Its own batching waits for
 * a byte count (`minLength`) or a timer (`periodicFlush`), so a quiet
 * instance's lines would wait with it; these wait only for the turn, and
 * nothing waits on a reader (see writesWithoutWaiting). Hand-written:
 * neither pino nor sonic-boom has a per-turn mode.
 */
export class TurnBatchedLog implements DestinationStream {
  private pending = '';
  private readonly handOver = (): void => {
    if (this.pending === '') {
      return;
    }
    const lines = this.pending;
    this.pending = '';
    try {
      this.target.write(Buffer.from(lines));
    } catch {
      // Ended by pino's hook once the loop ran dry, the destination throws: lines after that are lost, as pino's own would be.
    }
  };

  constructor(private readonly target: ByteDestination) {
    // pino's exit hook flushes the destination it made; this turn's lines are not in it yet.
    onExit(this, (log) => {
      try {
        log.flushSync();
      } catch {
        // A log that can no longer be written (its reader gone) must not turn an exit into a crash.
      }
    });
  }

  write(line: string): void {
    if (this.pending === '') {
      setImmediate(this.handOver);
    }
    this.pending += line;
  }

  /** For `logger.flush()`: what this turn holds goes to the destination now, then the destination flushes. */
  flush(callback?: (error?: Error) => void): void {
    this.handOver();
    this.target.flush(callback);
  }

  /**
   * Everything written so far, on disk or in the pipe before this returns:
   * at exit, when no later turn comes. What the destination holds it writes
   * itself; this turn's lines go out through a synchronous destination on
   * the same descriptor, since handed to the asynchronous one they would
   * start a thread-pool write that neither its flushSync nor the exit waits
   * for (its spec lost them in 4 of 20 runs, 1 of 20 before the log took
   * bytes). A write the destination already has in flight is still its own
   * to finish.
   */
  flushSync(): void {
    const lines = this.pending;
    this.pending = '';
    this.target.flushSync();
    if (lines !== '') {
      byteDestination(this.target.fd, true).write(Buffer.from(lines));
    }
  }
}
