#!/usr/bin/env node
// Checks deploy/grafana/bff-gateway.json without a Grafana: the dashboard model's shape (schema
// version, the Prometheus data-source variable, unique panel ids, a grid without overlaps), and
// every query: balanced brackets, only metrics that the BFFs expose at /metrics, and, where
// Prometheus' promtool is installed (Debian: prometheus), valid PromQL (`promtool check rules` on
// the queries with Grafana's variables filled in).
// `node deploy/grafana/check-dashboard.mjs [dashboard.json]`; exits 1 with one line per problem.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const file = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'bff-gateway.json');

/** The BFFs' own metrics (libs/observability) and the prom-client defaults the dashboard reads. */
const METRICS = new Set([
  'http_request_duration_seconds',
  'upstream_request_duration_seconds',
  'upstream_calls_refused_total',
  'circuit_breaker_state',
  'cache_events_total',
  'throttled_requests_total',
  'aggregate_sections_total',
  'aggregate_stale_age_seconds',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_p99_seconds',
]);
const HISTOGRAM_SERIES = /_(bucket|count|sum)$/;

const problems = [];
let dashboard;
try {
  dashboard = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`${file}: ${error.message}`);
  process.exit(1);
}

if (typeof dashboard.schemaVersion !== 'number' || dashboard.schemaVersion < 36) {
  problems.push('schemaVersion must be a number, 36 or later');
}
for (const key of ['uid', 'title']) {
  if (typeof dashboard[key] !== 'string' || dashboard[key] === '') {
    problems.push(`${key} is missing`);
  }
}
const variables = dashboard.templating?.list ?? [];
if (!variables.some((v) => v.type === 'datasource' && v.query === 'prometheus' && v.name === 'datasource')) {
  problems.push('no Prometheus data-source variable named datasource');
}

function balanced(expr) {
  const pairs = { ')': '(', '}': '{', ']': '[' };
  const stack = [];
  let quoted = false;
  for (const char of expr) {
    if (char === '"') {
      quoted = !quoted;
    }
    if (quoted) {
      continue;
    }
    if ('({['.includes(char)) {
      stack.push(char);
    }
    if (char in pairs && stack.pop() !== pairs[char]) {
      return false;
    }
  }
  return stack.length === 0 && !quoted;
}

const rules = [];
const ids = new Set();
const cells = new Map();
for (const panel of dashboard.panels ?? []) {
  const where = `panel ${panel.id} "${panel.title}"`;
  if (typeof panel.id !== 'number' || ids.has(panel.id)) {
    problems.push(`${where}: id missing or repeated`);
  }
  ids.add(panel.id);
  const { x, y, w, h } = panel.gridPos ?? {};
  if (![x, y, w, h].every(Number.isInteger) || x < 0 || w < 1 || x + w > 24 || h < 1) {
    problems.push(`${where}: gridPos outside the 24-column grid`);
  } else {
    for (let row = y; row < y + h; row++) {
      for (let col = x; col < x + w; col++) {
        const other = cells.get(`${row}:${col}`);
        if (other !== undefined) {
          problems.push(`${where}: overlaps panel ${other}`);
          row = y + h;
          break;
        }
        cells.set(`${row}:${col}`, panel.id);
      }
    }
  }
  if (panel.type === 'row') {
    continue;
  }
  if (panel.datasource?.uid !== '${datasource}') {
    problems.push(`${where}: not on the $datasource variable`);
  }
  const targets = panel.targets ?? [];
  if (targets.length === 0) {
    problems.push(`${where}: no queries`);
  }
  const refIds = new Set();
  for (const target of targets) {
    if (refIds.has(target.refId)) {
      problems.push(`${where}: refId ${target.refId} repeated`);
    }
    refIds.add(target.refId);
    const expr = target.expr ?? '';
    rules.push({ record: `dashboard:panel_${panel.id}:${target.refId}`, expr });
    if (!balanced(expr)) {
      problems.push(`${where}: unbalanced brackets in ${expr}`);
    }
    // Metric names are the identifiers right before a selector or range: name{...} or name[...].
    const names = [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((m) => m[1]);
    if (names.length === 0) {
      problems.push(`${where}: reads no metric`);
    }
    for (const metric of names) {
      if (!METRICS.has(metric.replace(HISTOGRAM_SERIES, '')) && !METRICS.has(metric)) {
        problems.push(`${where}: ${metric} is not a metric the BFFs expose`);
      }
    }
  }
}

/** Grafana's variables as Prometheus would see them once Grafana has filled them in. */
const filled = (expr) =>
  expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '15m')
    .replaceAll('$job', '.+')
    .replaceAll('$instance', '.+');

let promql = 'promtool not installed: PromQL syntax not checked';
try {
  execFileSync('promtool', ['--version'], { stdio: 'ignore' });
  const rulesFile = join(mkdtempSync(join(tmpdir(), 'dashboard-')), 'queries.rules.json');
  const groups = [{ name: 'dashboard', rules: rules.map((r) => ({ ...r, expr: filled(r.expr) })) }];
  writeFileSync(rulesFile, JSON.stringify({ groups }));
  try {
    execFileSync('promtool', ['check', 'rules', rulesFile], { stdio: 'pipe' });
    promql = `promtool parsed all ${rules.length} queries`;
  } catch (error) {
    problems.push(`promtool check rules: ${String(error.stdout ?? '')}${String(error.stderr ?? '')}`.trim());
  }
} catch {
  // promtool is missing: the checks above still ran.
}

if (problems.length > 0) {
  for (const problem of problems) {
    console.error(`${file}: ${problem}`);
  }
  process.exit(1);
}
const count = (dashboard.panels ?? []).filter((p) => p.type !== 'row').length;
console.log(
  `${file}: ${count} panels, schemaVersion ${dashboard.schemaVersion}, every query on known metrics; ${promql}`,
);
