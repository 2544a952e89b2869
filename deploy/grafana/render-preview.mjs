#!/usr/bin/env node
// Draws a preview of deploy/grafana/bff-gateway.json without Grafana or Prometheus:
// `node deploy/grafana/render-preview.mjs [out.png]` (default docs/dashboard.png).
//
// The panels, their titles, units and layout come from the dashboard itself. The series come from
// the measurements in bench/ (RESILIENCE.md, CACHING.md), laid out as 15 minutes of the load they
// ran (100 req/s on GET /mobile/profile) with their incidents in turn: the 10 s order-service outage,
// the hanging user service, and Redis frozen, killed and restarted. Each panel is badged with its
// source; panels the benchmarks measure nothing for carry an "illustrative" badge and made-up,
// plausible values (seeded, so the picture is the same on every run), and p95 is left out where
// the benchmarks give only p50 and p99.
//
// The SVG is hand-written; it becomes a PNG through rsvg-convert (Debian: librsvg2-bin) or, failing
// that, headless Chromium (CHROMIUM_PATH, default /usr/bin/chromium).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = resolve(process.argv[2] ?? join(root, 'docs/dashboard.png'));
const dashboard = JSON.parse(readFileSync(join(root, 'deploy/grafana/bff-gateway.json'), 'utf8'));

// ---- the benchmark figures -------------------------------------------------------------------

/** The rows of every markdown table in a file, as arrays of trimmed cells (header and rule rows dropped). */
function tableRows(file) {
  const lines = readFileSync(join(root, 'bench', file), 'utf8').split('\n');
  return lines
    .filter((line) => /^\|.*\|$/.test(line.trim()) && !/^\|[\s|:-]+\|$/.test(line.trim()))
    .map((line) =>
      line
        .trim()
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

function figure(rows, label, column, file) {
  const row = rows.find((cells) => cells[0].startsWith(label));
  const value = Number.parseFloat(row?.[column]);
  if (!Number.isFinite(value)) {
    throw new Error(`bench/${file}: no figure for "${label}", column ${column}`);
  }
  return value;
}

const caching = tableRows('CACHING.md');
const resilience = tableRows('RESILIENCE.md');
const resilienceText = readFileSync(join(root, 'bench/RESILIENCE.md'), 'utf8');
const redisPhases = ['Redis up', 'Redis frozen', 'Redis killed', 'Redis restarted'];
const bench = {
  latency: Object.fromEntries(
    redisPhases.map((phase) => [
      phase,
      {
        p50: figure(caching, phase, 1, 'CACHING.md') / 1000,
        p99: figure(caching, phase, 2, 'CACHING.md') / 1000,
      },
    ]),
  ),
  upstreamCallsCachingOff: figure(caching, 'caching off', 1, 'CACHING.md'),
  upstreamCallsCachingOn: figure(caching, 'caching on, memory + Redis', 1, 'CACHING.md'),
  outageCalls: figure(resilience, 'breakers on (defaults', 1, 'RESILIENCE.md'),
  outageReachingOrder: figure(resilience, 'breakers on (defaults', 2, 'RESILIENCE.md'),
  outageFailed: figure(resilience, 'breakers on (defaults', 3, 'RESILIENCE.md'),
  outageDegraded: figure(resilience, 'breakers on (defaults', 4, 'RESILIENCE.md'),
  hangSlowestMs: Number(
    /user service hanging[^:]*\(defaults\):[^,]*, slowest (\d+) ms/.exec(resilienceText)?.[1],
  ),
  hangRequests: Number(/user service hanging[^:]*\(defaults\): (\d+) sequential/.exec(resilienceText)?.[1]),
};
if (!Number.isFinite(bench.hangSlowestMs) || !Number.isFinite(bench.hangRequests)) {
  throw new Error('bench/RESILIENCE.md: no figures for the hanging user service');
}

// ---- 15 minutes, one point per 5 s -----------------------------------------------------------

const STEP_S = 5;
const POINTS = (15 * 60) / STEP_S;
const RATE = 100; // req/s, the load of the resilience benchmark
const times = Array.from({ length: POINTS }, (_, i) => i * STEP_S);
const EVENTS = [
  { from: 180, to: 190, label: 'order service down 10 s', color: '#f2495c' },
  { from: 300, to: 305, label: 'user service hangs', color: '#ff9830' },
  { from: 420, to: 480, label: 'Redis frozen', color: '#8ab8ff' },
  { from: 480, to: 540, label: 'Redis killed', color: '#5794f2' },
  { from: 540, to: 600, label: 'Redis restarted', color: '#b877d9' },
];
const during = (t, label) => EVENTS.some((e) => e.label.startsWith(label) && t >= e.from && t < e.to);
const redisPhase = (t) =>
  during(t, 'Redis frozen')
    ? 'Redis frozen'
    : during(t, 'Redis killed')
      ? 'Redis killed'
      : during(t, 'Redis restarted')
        ? 'Redis restarted'
        : 'Redis up';

let seed = 7;
/** Deterministic noise (mulberry32): the illustrative series look alive and never change between runs. */
function noise() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const series = (name, fn) => ({ name, values: times.map(fn) });
const wobble = (base, spread) => () => base * (1 + (noise() - 0.5) * spread);

const outageSeconds = 10;
const hangPerSecond = bench.hangRequests / STEP_S; // the ten answers fall in one 5 s point
const lookups = (RATE * bench.upstreamCallsCachingOff) / 1000; // profile lookups per second
const missShare = bench.upstreamCallsCachingOn / bench.upstreamCallsCachingOff;

/** Per panel title: its series, and where they come from. */
const DATA = {
  'Requests/s by app': () => ({
    source: 'bench: RESILIENCE.md load',
    series: [series('mobile-bff', () => RATE)],
  }),
  'Requests/s by route': () => ({
    source: 'bench: RESILIENCE.md load',
    series: [series('GET /mobile/profile', () => RATE)],
  }),
  '5xx ratio by app': () => ({
    source: 'bench: RESILIENCE.md',
    series: [
      series('mobile-bff', (t) =>
        during(t, 'user service hangs')
          ? hangPerSecond / RATE
          : during(t, 'order')
            ? bench.outageFailed / (RATE * outageSeconds)
            : 0,
      ),
    ],
  }),
  '5xx/s by route and status': () => ({
    source: 'bench: RESILIENCE.md',
    series: [
      series('504 GET /mobile/profile', (t) => (during(t, 'user service hangs') ? hangPerSecond / 2 : 0)),
      series('503 GET /mobile/profile', (t) => (during(t, 'user service hangs') ? hangPerSecond / 2 : 0)),
    ],
  }),
  '4xx/s by status': () => ({
    source: 'illustrative',
    series: [series('401', wobble(0.4, 0.8)), series('404', wobble(0.15, 1))],
  }),
  'Latency by route: p50 / p95 / p99': () => ({
    source: 'bench: CACHING.md, RESILIENCE.md; no p95 measured',
    series: [
      series('p50 GET /mobile/profile', (t) => bench.latency[redisPhase(t)].p50),
      series('p99 GET /mobile/profile', (t) =>
        during(t, 'user service hangs') ? bench.hangSlowestMs / 1000 : bench.latency[redisPhase(t)].p99,
      ),
    ],
    log: true,
  }),
  'Latency per route over the range': () => ({
    source: 'bench: CACHING.md (Redis up)',
    table: {
      columns: ['route', 'p50', 'p95', 'p99'],
      rows: [
        ['GET /mobile/profile', bench.latency['Redis up'].p50, undefined, bench.latency['Redis up'].p99],
      ],
    },
  }),
  'Upstream latency p95 by service': () => ({
    source: 'illustrative; hang: RESILIENCE.md',
    series: [
      series('user', (t) => (during(t, 'user service hangs') ? 1.0 : wobble(0.0024, 0.4)())),
      series('order', wobble(0.0031, 0.4)),
      series('preference', wobble(0.0019, 0.4)),
    ],
    log: true,
  }),
  'Upstream failures/s by outcome': () => ({
    source: 'bench: RESILIENCE.md',
    series: [
      series('order unavailable', (t) =>
        during(t, 'order') ? bench.outageReachingOrder / outageSeconds : 0,
      ),
      series('order failed_fast', (t) =>
        during(t, 'order') ? (bench.outageCalls - bench.outageReachingOrder) / outageSeconds : 0,
      ),
      series('user timeout', (t) => (during(t, 'user service hangs') ? hangPerSecond / 2 : 0)),
      series('user failed_fast', (t) => (during(t, 'user service hangs') ? hangPerSecond / 2 : 0)),
    ],
  }),
  'Circuit breakers': () => ({
    source: 'bench: RESILIENCE.md',
    states: [
      { name: 'order', values: times.map((t) => (during(t, 'order') ? 1 : 0)) },
      { name: 'preference', values: times.map(() => 0) },
      { name: 'user', values: times.map((t) => (during(t, 'user service hangs') ? 1 : t === 305 ? 2 : 0)) },
    ],
  }),
  'Cache hit ratio by layer': () => ({
    source: 'bench: CACHING.md (response layer not measured)',
    series: [series('resource', () => 1 - missShare)],
    range: [0, 1],
  }),
  'Cache lookups/s by layer and result': () => ({
    source: 'bench: CACHING.md',
    series: [
      series('resource hit', () => lookups * (1 - missShare)),
      series('resource miss', () => lookups * missShare),
    ],
  }),
  'Throttled requests/s by tracker kind': () => ({
    source: 'illustrative',
    series: [
      series('user', (t) => (t >= 620 && t < 660 ? wobble(3, 0.6)() : 0)),
      series('ip', () => (noise() > 0.93 ? 0.4 : 0)),
    ],
  }),
  'Degraded sections/s by section and status': () => ({
    source: 'bench: RESILIENCE.md',
    series: [
      series('recentOrders fallback', (t) => (during(t, 'order') ? bench.outageDegraded / outageSeconds : 0)),
    ],
  }),
  'Stale data age p95 by section': () => ({
    source: 'bench: no stale section in these runs',
    series: [],
  }),
  'CPU (cores) by instance': () => ({
    source: 'illustrative',
    series: [
      series('mobile-bff', (t) => 0.2 * (during(t, 'Redis frozen') ? 0.9 : 1) + (noise() - 0.5) * 0.03),
    ],
  }),
  'Event loop lag p99 by instance': () => ({
    source: 'illustrative',
    series: [series('mobile-bff', wobble(0.0112, 0.3))],
  }),
  'Resident memory by instance': () => ({
    source: 'illustrative',
    series: [series('mobile-bff', (t) => (118 + t / 90 + noise() * 2) * 1024 * 1024)],
  }),
};

// ---- drawing ---------------------------------------------------------------------------------

const WIDTH = 1600;
const MARGIN = 16;
const COL = (WIDTH - 2 * MARGIN) / 24;
const ROW = 34;
const HEADER = 92;
const PALETTE = ['#73bf69', '#f2cc0c', '#8ab8ff', '#ff780a', '#f2495c', '#5794f2', '#b877d9', '#fade2a'];
const FONT = 'font-family="\'DejaVu Sans\', Arial, sans-serif"';

const escape = (text) =>
  String(text).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);

function format(value, unit) {
  if (value === undefined || value === null || Number.isNaN(value)) {
    return '—';
  }
  const trim = (n, digits) => Number(n.toFixed(digits)).toString();
  switch (unit) {
    case 's':
      return value >= 1 ? `${trim(value, 2)} s` : `${trim(value * 1000, value < 0.01 ? 1 : 0)} ms`;
    case 'percentunit':
      return `${trim(value * 100, value < 0.1 ? 1 : 0)}%`;
    case 'bytes':
      return `${trim(value / 1024 / 1024, 0)} MiB`;
    case 'reqps':
      return `${trim(value, value < 10 ? 1 : 0)} req/s`;
    case 'ops':
      return `${trim(value, value < 10 ? 1 : 0)}/s`;
    default:
      return trim(value, 2);
  }
}

/** Round axis steps (1, 2, 2.5, 5 times a power of ten), about four of them, from 0 to just above max. */
function linearTicks(max) {
  const top = max > 0 ? max * 1.05 : 1;
  const power = 10 ** Math.floor(Math.log10(top / 4));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((m) => m >= top / 4);
  return Array.from({ length: Math.ceil(top / step) + 1 }, (_, i) => i * step);
}

function badge(x, y, source) {
  const illustrative = source.startsWith('illustrative');
  const text = escape(source);
  const width = 8 + text.length * 6.1;
  return `<rect x="${x - width}" y="${y - 12}" width="${width}" height="17" rx="3" fill="${illustrative ? '#3d3f45' : '#1f3d2a'}"/>
<text x="${x - width / 2}" y="${y}" ${FONT} font-size="10.5" text-anchor="middle" fill="${illustrative ? '#b5b8c0' : '#8fd49a'}">${text}</text>`;
}

function plotArea(box, legendRows = 1) {
  return { x: box.x + 62, y: box.y + 34, w: box.w - 74, h: box.h - 34 - 36 - 16 * legendRows };
}

function xAxis(area) {
  const parts = [];
  for (let minute = 0; minute <= 15; minute += 5) {
    const x = area.x + (minute / 15) * area.w;
    parts.push(`<line x1="${x}" y1="${area.y}" x2="${x}" y2="${area.y + area.h}" stroke="#2c2f36"/>`);
    parts.push(
      `<text x="${x}" y="${area.y + area.h + 14}" ${FONT} font-size="10.5" fill="#9fa3ab" text-anchor="${minute === 0 ? 'start' : minute === 15 ? 'end' : 'middle'}">${minute === 0 ? '-15 min' : minute === 15 ? 'now' : `-${15 - minute} min`}</text>`,
    );
  }
  return parts.join('\n');
}

function eventBands(area) {
  return EVENTS.map((event) => {
    const x = area.x + (event.from / 900) * area.w;
    const w = Math.max(2, ((event.to - event.from) / 900) * area.w);
    return `<rect x="${x}" y="${area.y}" width="${w}" height="${area.h}" fill="${event.color}" opacity="0.13"/>`;
  }).join('\n');
}

/** Legend entries laid out in lines that fit the panel, the last line at the panel's foot. */
function legendLines(box, items) {
  const lines = [[]];
  let x = 0;
  for (const item of items) {
    const text = item.value === undefined ? item.name : `${item.name}  ${item.value}`;
    const width = 30 + text.length * 6.3;
    if (x + width > box.w - 24 && lines.at(-1).length > 0) {
      lines.push([]);
      x = 0;
    }
    lines.at(-1).push({ ...item, text, x });
    x += width;
  }
  return lines;
}

function legend(box, items) {
  const lines = legendLines(box, items);
  return lines
    .flatMap((line, row) => {
      const y = box.y + box.h - 12 - (lines.length - 1 - row) * 16;
      return line.map(
        ({
          text,
          color,
          x,
        }) => `<rect x="${box.x + 12 + x}" y="${y - 8}" width="12" height="4" fill="${color}"/>
<text x="${box.x + 28 + x}" y="${y - 2}" ${FONT} font-size="11" fill="#ccccdc">${escape(text)}</text>`,
      );
    })
    .join('\n');
}

function timeseries(box, panel, data) {
  const unit = panel.fieldConfig?.defaults?.unit;
  const items = data.series.map((s, index) => ({
    name: s.name,
    color: PALETTE[index % PALETTE.length],
    value: `max ${format(Math.max(...s.values), unit)}`,
  }));
  const area = plotArea(box, Math.max(1, legendLines(box, items).length));
  const parts = [eventBands(area), xAxis(area)];
  if (data.series.length === 0) {
    parts.push(
      `<text x="${area.x + area.w / 2}" y="${area.y + area.h / 2}" ${FONT} font-size="15" fill="#9fa3ab" text-anchor="middle">No data</text>`,
    );
    return parts.join('\n');
  }
  const all = data.series.flatMap((s) => s.values);
  // Byte axes step in whole MiB.
  const perUnit = unit === 'bytes' ? 1024 * 1024 : 1;
  const linear = data.range
    ? [0, 0.25, 0.5, 0.75, 1].map((f) => data.range[0] + f * (data.range[1] - data.range[0]))
    : linearTicks(Math.max(...all) / perUnit).map((tick) => tick * perUnit);
  const [min, max] = data.log ? [Math.min(...all) / 1.5, Math.max(...all) * 1.5] : [linear[0], linear.at(-1)];
  const scale = data.log
    ? (v) => (Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))
    : (v) => (v - min) / (max - min);
  const ticks = data.log
    ? Array.from({ length: 12 }, (_, i) => 10 ** (i - 6))
        .flatMap((d) => [d, 2.5 * d, 5 * d])
        .filter((v) => v >= min && v <= max)
    : linear;
  const shown = data.log
    ? ticks.filter((_, i, list) => list.length <= 6 || i % Math.ceil(list.length / 6) === 0)
    : ticks;
  for (const tick of shown) {
    const y = area.y + area.h - scale(tick) * area.h;
    parts.push(`<line x1="${area.x}" y1="${y}" x2="${area.x + area.w}" y2="${y}" stroke="#2c2f36"/>`);
    parts.push(
      `<text x="${area.x - 6}" y="${y + 4}" ${FONT} font-size="10.5" fill="#9fa3ab" text-anchor="end">${escape(format(tick, unit))}</text>`,
    );
  }
  data.series.forEach((s, index) => {
    const { color } = items[index];
    const points = s.values.map((v, i) => {
      const x = area.x + (i / (POINTS - 1)) * area.w;
      const y = area.y + area.h - Math.min(1, Math.max(0, scale(v))) * area.h;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    });
    parts.push(
      `<polygon points="${area.x},${area.y + area.h} ${points.join(' ')} ${area.x + area.w},${area.y + area.h}" fill="${color}" opacity="0.10"/>`,
    );
    parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
  });
  parts.push(legend(box, items));
  return parts.join('\n');
}

function stateTimeline(box, panel, data) {
  const area = { x: box.x + 92, y: box.y + 40, w: box.w - 104, h: box.h - 40 - 52 };
  const colors = { 0: '#37872d', 1: '#c4162a', 2: '#fa6400' };
  const rowHeight = area.h / data.states.length;
  const parts = [xAxis(area)];
  data.states.forEach((state, row) => {
    const y = area.y + row * rowHeight + rowHeight * 0.1;
    parts.push(
      `<text x="${area.x - 8}" y="${y + rowHeight * 0.45}" ${FONT} font-size="12" fill="#ccccdc" text-anchor="end">${escape(state.name)}</text>`,
    );
    state.values.forEach((value, i) => {
      const x = area.x + (i / POINTS) * area.w;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y}" width="${(area.w / POINTS + 0.6).toFixed(1)}" height="${rowHeight * 0.8}" fill="${colors[value]}"/>`,
      );
    });
  });
  parts.push(
    legend(box, [
      { name: 'closed', color: colors[0] },
      { name: 'open', color: colors[1] },
      { name: 'half-open', color: colors[2] },
    ]),
  );
  return parts.join('\n');
}

function table(box, panel, data) {
  const unit = panel.fieldConfig?.defaults?.unit;
  const { columns, rows } = data.table;
  const x0 = box.x + 14;
  const widths = [box.w * 0.46, box.w * 0.16, box.w * 0.16, box.w * 0.16];
  const parts = [];
  let y = box.y + 62;
  let x = x0;
  columns.forEach((column, i) => {
    parts.push(
      `<text x="${x}" y="${y}" ${FONT} font-size="12" font-weight="bold" fill="#6e9fff">${escape(column)}</text>`,
    );
    x += widths[i];
  });
  parts.push(`<line x1="${x0}" y1="${y + 8}" x2="${box.x + box.w - 14}" y2="${y + 8}" stroke="#2c2f36"/>`);
  for (const row of rows) {
    y += 28;
    x = x0;
    row.forEach((cell, i) => {
      const text = i === 0 ? cell : format(cell, unit);
      parts.push(`<text x="${x}" y="${y}" ${FONT} font-size="12.5" fill="#ccccdc">${escape(text)}</text>`);
      x += widths[i];
    });
  }
  parts.push(
    `<text x="${x0}" y="${y + 34}" ${FONT} font-size="11" fill="#9fa3ab">p95: the benchmark reports p50 and p99 only</text>`,
  );
  return parts.join('\n');
}

function panelBox(panel) {
  const { x, y, w, h } = panel.gridPos;
  return { x: MARGIN + x * COL + 4, y: HEADER + y * ROW + 4, w: w * COL - 8, h: h * ROW - 8 };
}

const body = [];
let bottom = 0;
for (const panel of dashboard.panels) {
  const box = panelBox(panel);
  bottom = Math.max(bottom, box.y + box.h);
  if (panel.type === 'row') {
    body.push(
      `<text x="${box.x}" y="${box.y + 20}" ${FONT} font-size="15" font-weight="bold" fill="#d8d9da">${escape(panel.title)}</text>`,
    );
    continue;
  }
  body.push(
    `<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="3" fill="#181b1f" stroke="#2c2f36"/>`,
  );
  body.push(
    `<text x="${box.x + 12}" y="${box.y + 22}" ${FONT} font-size="13.5" font-weight="bold" fill="#d8d9da">${escape(panel.title)}</text>`,
  );
  const make = DATA[panel.title];
  if (make === undefined) {
    body.push(
      `<text x="${box.x + box.w / 2}" y="${box.y + box.h / 2}" ${FONT} font-size="13" fill="#9fa3ab" text-anchor="middle">no preview data for this panel</text>`,
    );
    continue;
  }
  const data = make();
  body.push(badge(box.x + box.w - 10, box.y + 22, data.source));
  if (data.states) {
    body.push(stateTimeline(box, panel, data));
  } else if (data.table) {
    body.push(table(box, panel, data));
  } else {
    body.push(timeseries(box, panel, data));
  }
}

const height = Math.ceil(bottom + MARGIN);
let eventX = MARGIN + 4;
const eventKey = EVENTS.map((event) => {
  const part = `<rect x="${eventX}" y="70" width="14" height="12" fill="${event.color}" opacity="0.55"/>
<text x="${eventX + 19}" y="80" ${FONT} font-size="12" fill="#ccccdc">${escape(`${event.label} (at -${15 - event.from / 60} min)`)}</text>`;
  eventX += 48 + (event.label.length + 14) * 6.6;
  return part;
}).join('\n');

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">
<rect width="100%" height="100%" fill="#111217"/>
<text x="${MARGIN + 4}" y="32" ${FONT} font-size="22" font-weight="bold" fill="#e5e6e8">${escape(dashboard.title)}</text>
<text x="${MARGIN + 4}" y="54" ${FONT} font-size="12.5" fill="#9fa3ab">Preview of deploy/grafana/bff-gateway.json (last 15 min, app = All, instance = All), drawn from the figures in bench/RESILIENCE.md and bench/CACHING.md at their 100 req/s load; badges tell each panel's source.</text>
${eventKey}
${body.join('\n')}
</svg>
`;

// ---- SVG to PNG ------------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), 'dashboard-preview-'));
const svgPath = join(work, 'dashboard.svg');
writeFileSync(svgPath, svg);

function hasCommand(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (hasCommand('rsvg-convert')) {
  execFileSync('rsvg-convert', ['--width', String(WIDTH), '--output', out, svgPath]);
} else {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    throw new Error('neither rsvg-convert (apt-get install librsvg2-bin) nor Chromium is installed');
  }
  execFileSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars',
      `--user-data-dir=${join(work, 'profile')}`,
      `--window-size=${WIDTH},${height}`,
      `--screenshot=${out}`,
      `file://${svgPath}`,
    ],
    { stdio: 'ignore' },
  );
}
console.log(`${out}: ${WIDTH}x${height} (SVG kept at ${svgPath})`);
