import { Logger } from '@nestjs/common';

export interface Closeable {
  close(): Promise<void>;
}

const logger = new Logger('Shutdown');

/**
 * Closes everything on SIGTERM or SIGINT, then exits. One handler for the
 * whole process rather than Nest's `enableShutdownHooks()` per app: with
 * several apps in one process each of those would end the process as soon as
 * its own app had closed, cutting the others' in-flight requests.
 */
export function closeOnSignals(closeables: Closeable[], options: { timeoutMs: number }): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) {
      return;
    }
    closing = true;
    logger.log(`${signal} received: closing`);
    const forced = setTimeout(() => {
      logger.error(`still closing after ${options.timeoutMs} ms: exiting anyway`);
      process.exit(1);
    }, options.timeoutMs);
    forced.unref();
    void Promise.allSettled(closeables.map((closeable) => closeable.close())).then((results) => {
      const failed = results.filter((result) => result.status === 'rejected');
      for (const failure of failed) {
        logger.error(`close failed: ${String((failure as PromiseRejectedResult).reason)}`);
      }
      process.exit(failed.length === 0 ? 0 : 1);
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
