/**
 * Just enough PromQL and Prometheus text format for the dashboard tests:
 * which metrics an expression selects, with which label matchers, and which
 * metric families, labels and label values a `/metrics` scrape holds.
 *
 * @module
 */

export interface Matcher {
  label: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

export interface Selector {
  metric: string;
  matchers: Matcher[];
}

export interface ExpressionParts {
  selectors: Selector[];
  /** Labels named in by (…), without (…), on (…), ignoring (…). */
  groupingLabels: string[];
}

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "and",
  "or",
  "unless",
  "inf",
  "nan",
]);

function parseMatchers(text: string): Matcher[] {
  const matchers: Matcher[] = [];
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g;
  for (const match of text.matchAll(pattern)) {
    matchers.push({ label: match[1]!, op: match[2] as Matcher["op"], value: match[3]! });
  }
  return matchers;
}

/** The selectors and grouping labels of one expression (no subqueries or @ needed here). */
export function parseExpression(expr: string): ExpressionParts {
  const groupingLabels: string[] = [];
  let rest = expr.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_, _keyword, labels: string) => {
      groupingLabels.push(...labels.split(",").map((l) => l.trim()).filter(Boolean));
      return " ";
    },
  );
  // Range and subquery brackets ([5m], [$__rate_interval]) hold no metric.
  rest = rest.replace(/\[[^\]]*\]/g, " ");
  const selectors: Selector[] = [];
  const pattern = /([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{[^}]*\})?(\s*\()?|\{[^}]*\}|"(?:[^"\\]|\\.)*"/g;
  for (const match of rest.matchAll(pattern)) {
    const [, name, braces, call] = match;
    if (!name) continue; // a string, or a selector without a name
    if (call || KEYWORDS.has(name.toLowerCase())) continue; // a function or an aggregation
    // A number's exponent or a duration is no name.
    const before = rest[match.index! - 1];
    if (before && /[0-9.]/.test(before)) continue;
    selectors.push({ metric: name, matchers: braces ? parseMatchers(braces) : [] });
  }
  return { selectors, groupingLabels };
}

export interface Scrape {
  /** Every sample name (histograms as _bucket, _sum, _count) with the label values seen. */
  series: Map<string, Map<string, Set<string>>>;
  /** Metric families by `# TYPE`. */
  families: Map<string, string>;
}

/** Reads the Prometheus text exposition format. */
export function parseScrape(text: string): Scrape {
  const series = new Map<string, Map<string, Set<string>>>();
  const families = new Map<string, string>();
  for (const line of text.split("\n")) {
    const type = line.match(/^# TYPE (\S+) (\S+)/);
    if (type) {
      families.set(type[1]!, type[2]!);
      const names = type[2] === "histogram"
        ? [`${type[1]}_bucket`, `${type[1]}_sum`, `${type[1]}_count`]
        : [type[1]!];
      for (const name of names) if (!series.has(name)) series.set(name, new Map());
      continue;
    }
    const sample = line.match(/^([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+\S+/);
    if (!sample) continue;
    const labels = series.get(sample[1]!) ?? new Map<string, Set<string>>();
    series.set(sample[1]!, labels);
    for (
      const match of (sample[3] ?? "").matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)
    ) {
      const values = labels.get(match[1]!) ?? new Set<string>();
      values.add(match[2]!);
      labels.set(match[1]!, values);
    }
  }
  return { series, families };
}
