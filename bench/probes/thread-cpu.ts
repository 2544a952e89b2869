import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { duringWindow, probeOut } from './window.js';

/*
 * CPU per request by thread over the measuring window, from each thread's
 * own line in /proc/self/task (Linux only): the main thread apart from
 * V8's and libuv's helper threads, which the process's total hides. The
 * main thread bounds a target's req/s; every thread together is its CPU
 * per request. Written to THREAD_CPU_OUT as text.
 */

interface ThreadTimes {
  name: string;
  userTicks: number;
  systemTicks: number;
}

/** USER_HZ, which /proc counts in: 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

function threadTimes(): Map<string, ThreadTimes> {
  const threads = new Map<string, ThreadTimes>();
  for (const id of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${id}/stat`, 'utf8');
    } catch {
      // The thread ended between the listing and the read.
      continue;
    }
    const nameEnd = stat.lastIndexOf(')');
    const fields = stat.slice(nameEnd + 2).split(' ');
    threads.set(id, {
      name: id === String(process.pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, nameEnd),
      userTicks: Number(fields[11]),
      systemTicks: Number(fields[12]),
    });
  }
  return threads;
}

const out = probeOut('THREAD_CPU_OUT');

duringWindow(threadTimes, (before, requests) => {
  const byName = new Map<string, { user: number; system: number }>();
  for (const [id, now] of threadTimes()) {
    const then = before.get(id);
    const totals = byName.get(now.name) ?? { user: 0, system: 0 };
    totals.user += now.userTicks - (then?.userTicks ?? 0);
    totals.system += now.systemTicks - (then?.systemTicks ?? 0);
    byName.set(now.name, totals);
  }
  const microsecondsPerRequest = (ticks: number): string =>
    ((ticks * 1_000_000) / TICKS_PER_SECOND / Math.max(1, requests)).toFixed(1);
  const lines = [...byName].map(
    ([name, { user, system }]) =>
      `${name.padEnd(18)} user ${microsecondsPerRequest(user)} µs, system ${microsecondsPerRequest(system)} µs per request`,
  );
  writeFileSync(out, [`${requests} requests`, ...lines, ''].join('\n'));
});
