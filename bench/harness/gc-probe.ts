import { writeFileSync } from 'node:fs';
import { GCProfiler } from 'node:v8';

/*
 * Loaded into a gateway with `--import` by bench/gc-measure.ts: the first
 * SIGUSR2 starts V8's GC profiler, the next writes every collection it saw
 * (kind, main-thread pause, heap spaces before and after) to GC_PROBE_OUT.
 */
const out = process.env.GC_PROBE_OUT;
let profiler: GCProfiler | undefined;

process.on('SIGUSR2', () => {
  if (profiler === undefined) {
    profiler = new GCProfiler();
    profiler.start();
    return;
  }
  const result = profiler.stop();
  profiler = undefined;
  if (out !== undefined) {
    writeFileSync(out, JSON.stringify(result));
  }
});
