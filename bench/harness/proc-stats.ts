import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times; 100 on every Linux the project runs on, asked once anyway. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time the process has used so far, in milliseconds, in user space and
 * in the kernel, every thread included (GC, libuv's pool): /proc/<pid>/stat
 * fields 14 and 15. The command name in field 2 may hold spaces, so fields
 * are counted from the closing parenthesis.
 */
export function cpuTimesMs(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  return {
    user: (Number(fields[11]) * 1000) / CLOCK_TICKS,
    system: (Number(fields[12]) * 1000) / CLOCK_TICKS,
  };
}

/** CPU time the process has used so far, user plus system, in milliseconds. */
export function cpuMs(pid: number): number {
  const { user, system } = cpuTimesMs(pid);
  return user + system;
}

/** Resident set size now, in MiB (VmRSS of /proc/<pid>/status). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (kib === null) {
    throw new Error(`no VmRSS for process ${pid}`);
  }
  return Number(kib[1]) / 1024;
}

/** Whether the process is still there (a zombie counts as gone: it serves nothing). */
export function isRunning(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}
