/** One sample of the Prometheus text format: `name{label="value",...} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL_PAIR = /(\w+)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  return text.split('\n').flatMap((line): Sample[] => {
    const match = line.startsWith('#') ? null : SAMPLE_LINE.exec(line);
    if (match === null) {
      return [];
    }
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(LABEL_PAIR)].map(([, k, v]) => [k, v]));
    return [{ name: match[1], labels, value: Number(match[3]) }];
  });
}

/** A BFF's `/metrics`, read as a client without a token would. */
export async function scrape(baseUrl: string): Promise<Sample[]> {
  const response = await fetch(`${baseUrl}/metrics`);
  expect(response.status).toBe(200);
  return parseSamples(await response.text());
}

/** The sum of every sample of `name` whose labels include `labels`; 0 when there is none. */
export function total(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}
