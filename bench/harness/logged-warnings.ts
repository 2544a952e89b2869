import { readFileSync } from 'node:fs';

/** pino's level for `warn`; `error` and `fatal` are above it. */
const WARN = 40;

/**
 * The messages a product process logged at warn or above, from its JSON
 * log. A clean run logs none; one that does was not the run it claims to
 * be: a Redis flavour that went on without Redis for a while (rate limits
 * counted in the process, the cache skipped), a breaker that opened, a
 * cache write that failed. Lines that are not JSON (the listening line) are
 * not pino's and are skipped.
 */
export function warningsIn(log: string): string[] {
  const warnings: string[] = [];
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) {
      continue;
    }
    let entry: { level?: unknown; msg?: unknown; context?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (typeof entry.level === 'number' && entry.level >= WARN) {
      const where = typeof entry.context === 'string' ? `${entry.context}: ` : '';
      warnings.push(`${where}${typeof entry.msg === 'string' ? entry.msg : '(no message)'}`);
    }
  }
  return warnings;
}

export function loggedWarnings(logFile: string): string[] {
  return warningsIn(readFileSync(logFile, 'utf8'));
}

/** How many lines a process logged at warn or above, and the first: what a report prints. */
export function describeWarnings(warnings: readonly string[]): string {
  return `${warnings.length} lines at warn or above, first: ${warnings[0]}`;
}
