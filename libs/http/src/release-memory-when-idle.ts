import type { FastifyInstance } from 'fastify';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How often the event loop's load is looked at. */
const CHECK_EVERY_MS = 5_000;
/** Busy for less than this share of the last two intervals: no traffic to speak of, and not a pause between two bursts. */
const IDLE_UTILIZATION = 0.05;
/** A young generation this small is what an idle process has anyway; releasing it would gain nothing. */
const SMALL_YOUNG_GENERATION_BYTES = 8 * 1024 * 1024;

/** Whether the young generation should be handed back now: the process is idle and holds more of it than idle needs. */
export function shouldReleaseYoungGeneration(utilization: number, youngGenerationBytes: number): boolean {
  return utilization < IDLE_UTILIZATION && youngGenerationBytes > SMALL_YOUNG_GENERATION_BYTES;
}

/** The young generation's resident bytes (V8's new space). */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;
}

type CollectGarbage = (options: { type: 'minor' }) => void;
let collectGarbage: CollectGarbage | undefined;

/**
 * One scavenge. V8 shrinks the young generation after a collection that
 * finds the allocation rate low, and only then; an idle process allocates
 * too little to ever fill the young generation, so without this it keeps
 * the size its busiest minute grew it to (64 MiB with the image's
 * `--max-semi-space-size=32`). Node offers no other way to ask for a
 * collection than `gc`, which exists only with `--expose-gc`; the flag is
 * set at the first release, and the function taken from a new context, so
 * the app's own global scope never gains a `gc`. Hand-written rather than
 * the `expose-gc` package, which is these same two lines.
 */
export function releaseYoungGeneration(): void {
  if (collectGarbage === undefined) {
    setFlagsFromString('--expose-gc');
    collectGarbage = runInNewContext('gc') as CollectGarbage;
  }
  collectGarbage({ type: 'minor' });
}

/**
 * Hands the young generation back to the system once traffic stops. Under
 * load V8 grows it to its cap and keeps it: web-bff's RSS after a burst of
 * dashboard misses was 265 MiB, 58 of them an empty young generation, and
 * 204 MiB after one scavenge at idle. Costs one look at the event loop's
 * utilization every five seconds, and a scavenge of a few milliseconds when
 * there is something to give back.
 */
export function releaseMemoryWhenIdle(fastify: FastifyInstance): void {
  let twoChecksAgo: EventLoopUtilization = performance.eventLoopUtilization();
  let lastCheck = twoChecksAgo;
  const timer = setInterval(() => {
    const current = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(current, twoChecksAgo);
    twoChecksAgo = lastCheck;
    lastCheck = current;
    if (shouldReleaseYoungGeneration(utilization, youngGenerationBytes())) {
      releaseYoungGeneration();
    }
  }, CHECK_EVERY_MS);
  timer.unref();
  fastify.addHook('onClose', (_instance, done) => {
    clearInterval(timer);
    done();
  });
}
