import assert from "node:assert/strict";
import { parseExpression, parseScrape } from "./promql.ts";

Deno.test("parseExpression() finds the selectors, not the functions, keywords or ranges", () => {
  assert.deepEqual(
    parseExpression(
      'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))',
    ),
    {
      selectors: [{
        metric: "http_request_duration_seconds_bucket",
        matchers: [{ label: "job", op: "=~", value: "$job" }],
      }],
      groupingLabels: ["le", "route"],
    },
  );
  const ratio = parseExpression(
    'sum(rate(a_total{status=~"5..",x="y"}[1m])) / sum without (x) (rate(b_total[5m])) > 1e3',
  );
  assert.deepEqual(ratio.selectors.map((s) => s.metric), ["a_total", "b_total"]);
  assert.deepEqual(ratio.selectors[0]!.matchers.map((m) => `${m.label}${m.op}${m.value}`), [
    "status=~5..",
    "x=y",
  ]);
  assert.deepEqual(ratio.groupingLabels, ["x"]);
  assert.deepEqual(parseExpression("max(up) or vector(0)").selectors.map((s) => s.metric), ["up"]);
});

Deno.test("parseScrape() reads families, histogram series and label values", () => {
  const scrape = parseScrape([
    "# TYPE h histogram",
    'h_bucket{route="/a",le="0.1"} 1',
    "# TYPE g gauge",
    "# TYPE c counter",
    'c{group="x",type="t.e"} 3',
    'c{group="y",type="t.e"} 3',
  ].join("\n"));
  assert.equal(scrape.families.get("h"), "histogram");
  assert.deepEqual([...scrape.series.keys()].sort(), ["c", "g", "h_bucket", "h_count", "h_sum"]);
  assert.deepEqual([...scrape.series.get("c")!.get("group")!], ["x", "y"]);
  assert.deepEqual([...scrape.series.get("h_bucket")!.keys()], ["route", "le"]);
});
