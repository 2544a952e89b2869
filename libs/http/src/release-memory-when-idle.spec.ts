import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  releaseYoungGeneration,
  shouldReleaseYoungGeneration,
  youngGenerationBytes,
} from './release-memory-when-idle.js';

const MiB = 1024 * 1024;

/** Allocates as a busy gateway does, many short-lived objects with some surviving a while, until V8 grows the young generation. */
function growYoungGeneration(): void {
  let kept: { n: number; text: string; pair: number[] }[] = [];
  for (let n = 0; n < 300_000; n += 1) {
    kept.push({ n, text: `entry-${n}`, pair: [n, n + 1] });
    if (kept.length > 30_000) {
      kept = kept.slice(10_000);
    }
  }
}

describe(shouldReleaseYoungGeneration.name, () => {
  it('gives a large young generation back once the event loop is idle', () => {
    expect(shouldReleaseYoungGeneration(0.01, 64 * MiB)).toBe(true);
  });

  it('leaves memory alone while traffic is being served, so a busy gateway never pays for a collection it did not need', () => {
    expect(shouldReleaseYoungGeneration(0.4, 64 * MiB)).toBe(false);
  });

  it('does not collect for nothing when the young generation is already as small as an idle process keeps it', () => {
    expect(shouldReleaseYoungGeneration(0, 2 * MiB)).toBe(false);
  });
});

describe(releaseYoungGeneration.name, () => {
  it('returns the memory a burst of allocation grew the young generation to once allocation has stopped', async () => {
    growYoungGeneration();
    expect(youngGenerationBytes()).toBeGreaterThan(16 * MiB);

    // V8 shrinks only when the allocation rate it measured over the last seconds is low, as the idle check's interval ensures.
    for (let attempt = 0; attempt < 5 && youngGenerationBytes() > 8 * MiB; attempt += 1) {
      await sleep(3_000);
      releaseYoungGeneration();
    }

    expect(youngGenerationBytes()).toBeLessThan(8 * MiB);
    expect('gc' in globalThis).toBe(false);
  }, 30_000);
});
