import { setFlagsFromString } from 'node:v8';

/*
 * Sets the V8 flags in V8_FLAGS (space-separated) as the target starts:
 * NODE_OPTIONS refuses most V8 flags (`--trace-gc`, `--heap-growing-percent`),
 * and `measure:compare` starts targets with an environment, not a command
 * line. Flags that V8 reads when it sets the heap up are too late here;
 * those it reads as it runs (the collector's tracing and pacing) work.
 */

for (const flag of (process.env.V8_FLAGS ?? '').split(' ')) {
  if (flag !== '') {
    setFlagsFromString(flag);
  }
}
