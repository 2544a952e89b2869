#!/usr/bin/env node
// Supply-chain checks for CI: every dependency pinned, and no high or critical
// advisory against what production installs (npm audit --omit=dev).
//
//   node .ci/check-dependencies.mjs                  pins, then runs npm audit
//   node .ci/check-dependencies.mjs --report <file>  pins, then reads a saved `npm audit --json` report
//
// Exit 1 when a dependency is not pinned or the audit reports a high or
// critical vulnerability. When the registry cannot answer an audit at all
// (some mirrors and proxies refuse its POST endpoint with 405), that is
// printed plainly and is not a failure, unless AUDIT_REQUIRED=true.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const FAILING_SEVERITIES = ['high', 'critical'];

/** Lines naming every dependency that is not pinned by package.json and package-lock.json. */
function pinningProblems(manifest, lock) {
  const problems = [];
  const declared = { ...manifest.dependencies, ...manifest.devDependencies };
  for (const [name, range] of Object.entries(declared)) {
    if (!EXACT_VERSION.test(range)) {
      problems.push(`package.json: ${name} is "${range}", not an exact version`);
    }
    const installed = lock.packages?.[`node_modules/${name}`]?.version;
    if (installed !== range) {
      problems.push(
        `package-lock.json: ${name} is locked at ${installed ?? 'nothing'}, package.json says ${range}`,
      );
    }
  }
  if (lock.lockfileVersion !== 3) {
    problems.push(`package-lock.json: lockfileVersion ${lock.lockfileVersion}, expected 3`);
  }
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path !== '' && !entry.link && !/^sha512-/.test(entry.integrity ?? '')) {
      problems.push(`package-lock.json: ${path} has no sha512 integrity hash`);
    }
  }
  return problems;
}

function runAudit() {
  return new Promise((resolve) => {
    // npm exits 1 both for findings and for an audit that could not run; the JSON tells them apart.
    execFile(
      'npm',
      ['audit', '--omit=dev', '--json'],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
      (_error, stdout) => resolve(stdout),
    );
  });
}

/** What the audit said: findings at or above high, or why there is no report. */
function auditVerdict(report) {
  const counts = report?.metadata?.vulnerabilities;
  if (counts === undefined) {
    const reason = report?.message || report?.error?.summary || `status ${report?.statusCode ?? 'unknown'}`;
    return { ran: false, reason };
  }
  const failing = Object.entries(report.vulnerabilities ?? {})
    .filter(([, vulnerability]) => FAILING_SEVERITIES.includes(vulnerability.severity))
    .map(
      ([name, vulnerability]) =>
        `${name} (${vulnerability.severity}, ${vulnerability.range ?? 'any version'})`,
    );
  return { ran: true, counts, failing };
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const problems = pinningProblems(manifest, lock);
if (problems.length > 0) {
  console.log(`dependencies not pinned:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `pinned: ${Object.keys(lock.packages).length - 1} packages, each at an exact version with a sha512 hash`,
);

const reportFlag = process.argv.indexOf('--report');
const text = reportFlag === -1 ? await runAudit() : readFileSync(process.argv[reportFlag + 1], 'utf8');
let report;
try {
  report = JSON.parse(text);
} catch {
  report = undefined;
}
const verdict = auditVerdict(report);
if (!verdict.ran) {
  console.log(
    `npm audit could not run: the registry answered ${verdict.reason}. No advisory database was consulted, ` +
      'so this run says nothing about known vulnerabilities.',
  );
  process.exit(process.env.AUDIT_REQUIRED === 'true' ? 1 : 0);
}
const { counts } = verdict;
console.log(
  `npm audit --omit=dev: ${counts.critical} critical, ${counts.high} high, ${counts.moderate} moderate, ` +
    `${counts.low} low, ${counts.info} info`,
);
if (verdict.failing.length > 0) {
  console.log(`high or critical advisories:\n  ${verdict.failing.join('\n  ')}`);
  process.exit(1);
}
