import { performance } from 'node:perf_hooks';

export interface ProcessFaults {
  /** Rejections nobody handled and exceptions nobody caught, in the order they happened. */
  readonly seen: unknown[];
  stop(): void;
}

/**
 * Records what would crash or pollute the log of a gateway process in
 * production: promise rejections nobody handled and exceptions nobody
 * caught. Each test file runs in its own worker, so this sees the BFFs and
 * demo services that file started. Observes only: `uncaughtExceptionMonitor`
 * leaves Node's (and Vitest's) own handling untouched.
 */
export function watchProcessFaults(): ProcessFaults {
  const seen: unknown[] = [];
  const record = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', record);
  process.on('uncaughtExceptionMonitor', record);
  return {
    seen,
    stop: () => {
      process.off('unhandledRejection', record);
      process.off('uncaughtExceptionMonitor', record);
    },
  };
}

/** How long `work` took, for bounds on behaviour (an answer that did not wait for a hung upstream), not speed. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const startedAt = performance.now();
  const value = await work();
  return { value, ms: performance.now() - startedAt };
}
