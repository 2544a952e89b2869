import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { duringWindow, probeOut } from './window.js';

/*
 * A CPU profile of the target over the measuring window, sampled every 100
 * µs through the inspector, written to CPU_PROFILE_OUT as a `.cpuprofile` (Chrome
 * DevTools and speedscope open it) with the window's request count added
 * as `requests`, which `summarize.js cpu` divides by. Unlike `--cpu-prof`
 * it leaves out start-up and warm-up, and a target that is stopped by a
 * signal still writes it.
 */

const out = probeOut('CPU_PROFILE_OUT');
const session = new Session();
session.connect();

duringWindow(
  async () => {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  },
  async (_opened, requests) => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(out, JSON.stringify({ ...profile, requests }));
  },
);
