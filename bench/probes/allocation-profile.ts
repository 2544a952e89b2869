import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { duringWindow, probeOut } from './window.js';

/*
 * What the target allocates over the measuring window, by the JavaScript
 * function that allocated it: V8's sampling heap profiler (one sample per 4
 * KB on average), keeping the objects that were collected since, so the
 * figures are allocations rather than what survived. With
 * ALLOCATION_KEEP=survivors it leaves out what a young-generation
 * collection freed, so the figures are what outlived a scavenge (what the
 * collector copies). Written to ALLOCATION_PROFILE_OUT as a `.heapprofile`
 * with `requests` added; `summarize.js alloc` reads it.
 */

const out = probeOut('ALLOCATION_PROFILE_OUT');
const survivorsOnly = process.env.ALLOCATION_KEEP === 'survivors';
const session = new Session();
session.connect();

duringWindow(
  async () => {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: !survivorsOnly,
    });
  },
  async (_opened, requests) => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(out, JSON.stringify({ ...profile, requests }));
  },
);
