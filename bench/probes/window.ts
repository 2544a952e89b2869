import { subscribe } from 'node:diagnostics_channel';

/*
 * The measuring window every probe shares: it opens PROBE_DELAY_MS after
 * the process starts (past start-up and the benchmark's warm-up) and stays
 * open PROBE_DURATION_MS; the requests the HTTP server received meanwhile
 * turn a probe's totals into figures per request. A probe is loaded into a
 * target with `--import`, e.g. through `measure:compare`'s per-target
 * NODE_OPTIONS (see bench/compare.ts); since targets there take turns, a
 * window should span most of the run, or it may catch none of the
 * target's own rounds. Probes loaded together share one window.
 */

let requestsSeen = 0;
subscribe('http.server.request.start', () => {
  requestsSeen += 1;
});

function millisecondsFrom(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** The file a probe writes, named by its own variable so that probes loaded together do not overwrite each other. */
export function probeOut(variable: string): string {
  const out = process.env[variable];
  if (out === undefined || out === '') {
    throw new Error(`set ${variable} to the file the probe writes`);
  }
  return out;
}

/**
 * Runs `open` when the window opens and `close` when it ends, with the
 * number of requests received in between. Neither timer keeps the process
 * alive: a target stopped early writes nothing.
 */
export function duringWindow<T>(
  open: () => T | Promise<T>,
  close: (opened: T, requests: number) => void | Promise<void>,
): void {
  const delayMs = millisecondsFrom('PROBE_DELAY_MS', 8_000);
  const durationMs = millisecondsFrom('PROBE_DURATION_MS', 4_000);
  setTimeout(() => {
    void (async () => {
      const opened = await open();
      const firstRequest = requestsSeen;
      setTimeout(() => {
        void close(opened, requestsSeen - firstRequest);
      }, durationMs).unref();
    })();
  }, delayMs).unref();
}
