import type { ScenarioFigures, TargetFigures } from './summary.js';

/*
 * The chart of RESULTS.md, written as SVG by hand: eight small bar charts
 * are a few dozen elements, and no charting package is a dependency of the
 * project, so one would be added for this file alone.
 */

const CELL_WIDTH = 270;
const CELL_HEIGHT = 200;
const TOP = 70;
const LEFT = 20;
const PLOT_HEIGHT = 120;
const BAR_WIDTH = 44;
const COLOURS: Record<string, string> = {
  baseline: '#7f8c8d',
  'baseline-cached': '#95a5a6',
  product: '#2e86de',
  'product-redis': '#e67e22',
};

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escapeXml(content)}</text>`;
}

/** One cell: a bar per target of `value`, and for latency a whisker up to p99. */
function cell(
  x: number,
  y: number,
  title: string,
  targets: readonly TargetFigures[],
  value: (figures: TargetFigures) => number,
  whisker: ((figures: TargetFigures) => number) | undefined,
  format: (figures: TargetFigures) => string,
): string {
  const highest = Math.max(...targets.map((figures) => (whisker ?? value)(figures)), 1);
  const scale = PLOT_HEIGHT / highest;
  const baseY = y + PLOT_HEIGHT + 30;
  const parts = [text(x + CELL_WIDTH / 2 - 10, y + 12, title, 'text-anchor="middle" font-weight="bold"')];
  targets.forEach((figures, index) => {
    const barX = x + LEFT + index * (BAR_WIDTH + 30);
    const height = value(figures) * scale;
    parts.push(
      `<rect x="${barX}" y="${(baseY - height).toFixed(1)}" width="${BAR_WIDTH}" height="${height.toFixed(1)}" fill="${COLOURS[figures.target]}"/>`,
    );
    let labelY = baseY - height - 4;
    if (whisker !== undefined) {
      const topY = baseY - whisker(figures) * scale;
      const middle = barX + BAR_WIDTH / 2;
      parts.push(
        `<line x1="${middle}" y1="${topY.toFixed(1)}" x2="${middle}" y2="${(baseY - height).toFixed(1)}" stroke="#333"/>`,
        `<line x1="${middle - 8}" y1="${topY.toFixed(1)}" x2="${middle + 8}" y2="${topY.toFixed(1)}" stroke="#333"/>`,
      );
      labelY = topY - 4;
    }
    parts.push(text(barX + BAR_WIDTH / 2, labelY, format(figures), 'text-anchor="middle" font-size="11"'));
  });
  parts.push(
    `<line x1="${x + LEFT - 6}" y1="${baseY}" x2="${x + CELL_WIDTH - 20}" y2="${baseY}" stroke="#333"/>`,
  );
  return parts.join('\n');
}

/** Throughput (top row) and p50 with a p99 whisker (bottom row) per scenario and target. */
export function renderChart(scenarios: readonly ScenarioFigures[], subtitle: string): string {
  const width = CELL_WIDTH * scenarios.length + 20;
  const height = TOP + 2 * CELL_HEIGHT + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    text(10, 22, 'BFF gateway against the hand-written baseline', 'font-size="16" font-weight="bold"'),
    text(10, 42, subtitle, 'fill="#555"'),
  ];
  const legend = new Map<string, string>();
  scenarios.forEach(({ scenario, baseline, products }, index) => {
    const targets = [baseline, ...products];
    for (const figures of targets) {
      legend.set(figures.target, figures.label);
    }
    const x = 10 + index * CELL_WIDTH;
    parts.push(
      cell(
        x,
        TOP,
        `${scenario.short}: req/s`,
        targets,
        (f) => f.rps,
        undefined,
        (f) => f.rps.toFixed(0),
      ),
      cell(
        x,
        TOP + CELL_HEIGHT,
        'latency ms: p50 bar, p99 whisker',
        targets,
        (f) => f.p50Ms,
        (f) => f.p99Ms,
        (f) => `${f.p50Ms.toFixed(1)} / ${f.p99Ms.toFixed(1)}`,
      ),
    );
  });
  [...legend].forEach(([target, label], index) => {
    const x = 10 + index * 170;
    const y = height - 20;
    parts.push(
      `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${COLOURS[target]}"/>`,
      text(x + 18, y, label),
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
