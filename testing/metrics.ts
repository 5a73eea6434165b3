/**
 * Reading a process's Prometheus `/metrics` in tests: the samples, and sums
 * over the ones whose labels match.
 *
 * @module
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text exposition format (comments skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = SAMPLE.exec(line.trim());
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(LABEL)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** GET `${baseUrl}/metrics`, parsed. */
export async function scrapeMetrics(baseUrl: string): Promise<Sample[]> {
  const response = await fetch(`${baseUrl}/metrics`);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${baseUrl}/metrics answered ${response.status}: ${text}`);
  return parseMetrics(text);
}

/**
 * The sum of `name`'s samples whose labels match: a string must be equal, an
 * array must contain the label's value.
 */
export function sumOf(
  samples: readonly Sample[],
  name: string,
  match: Record<string, string | readonly string[]> = {},
): number {
  let sum = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const matches = Object.entries(match).every(([key, wanted]) => {
      const value = sample.labels[key];
      return value !== undefined &&
        (typeof wanted === "string" ? value === wanted : wanted.includes(value));
    });
    if (matches) sum += sample.value;
  }
  return sum;
}
