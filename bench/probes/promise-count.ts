import { createHook } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { duringWindow, probeOut } from './window.js';

/*
 * Promises created per request over the measuring window, counted by an
 * async hook (which slows the target and allocates: count with it, do
 * not time, and do not load it beside the allocation profile). With
 * PROBE_SITES=1 each promise's creating frames are tallied too, and the
 * commonest sites are listed per request.
 */

const withSites = process.env.PROBE_SITES === '1';
const sites = new Map<string, number>();
let promises = 0;

function creatingFrames(): string {
  const trace: { stack?: string } = {};
  Error.captureStackTrace(trace, creatingFrames);
  return (
    (trace.stack ?? '')
      .split('\n')
      .filter((line) => line.includes(' at ') && !line.includes('node:internal/async_hooks'))
      // The first frame left is the hook's own `init`; the creating site follows it.
      .slice(1, 4)
      .map((line) => line.trim().replace(/^at /, ''))
      .join(' < ')
  );
}

const hook = createHook({
  init(_id, type) {
    if (type !== 'PROMISE') {
      return;
    }
    promises += 1;
    if (withSites) {
      const site = creatingFrames();
      sites.set(site, (sites.get(site) ?? 0) + 1);
    }
  },
});

const out = probeOut('PROMISE_COUNT_OUT');

duringWindow(
  () => {
    promises = 0;
    sites.clear();
    hook.enable();
  },
  (_opened, requests) => {
    hook.disable();
    const perRequest = (count: number): string => (count / Math.max(1, requests)).toFixed(2);
    const commonest = [...sites]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 60)
      .map(([site, count]) => `${perRequest(count)} ${site}`);
    writeFileSync(
      out,
      [`${perRequest(promises)} promises per request, ${requests} requests`, ...commonest, ''].join('\n'),
    );
  },
);
