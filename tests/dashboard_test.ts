/**
 * The Grafana dashboard and the Prometheus config against what bazaar really
 * exports: every PromQL expression names metrics, labels and label values
 * found in a `/metrics` scrape taken after one order (and one dead letter);
 * with Prometheus installed, every expression also evaluates, with data,
 * against a Prometheus scraping a running bazaar.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pinged } from "../testing/bus/conformance.ts";
import { parseExpression, parseScrape, type Scrape } from "../testing/promql.ts";
import { PrivatePrometheus, prometheusAvailable } from "../testing/prometheus.ts";
import { Shop } from "../testing/shop.ts";
import { ROOT } from "../testing/spawn.ts";
import { startSystem, type TestSystem } from "../testing/system.ts";
import { waitFor } from "../testing/wait.ts";

interface Target {
  expr: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query?: { query: string } | string;
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(
  await Deno.readTextFile(join(ROOT, "deploy/grafana/dashboards/bazaar.json")),
) as Dashboard;

/** Labels Prometheus adds to every target's series. */
const TARGET_LABELS = new Set(["job", "instance"]);

/** The metric families the dashboard must show (issue 10), whatever else bazaar exports. */
const REQUIRED = [
  "http_requests_total",
  "http_request_duration_seconds",
  "bus_messages_total",
  "bus_pending_messages",
  "bus_lag_messages",
  "bus_dead_letters",
  "orders_by_status",
];

const expressions = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr }))
);
const variableQueries = dashboard.templating.list
  .filter((v) => v.type === "query")
  .map((v) => ({ name: v.name, query: typeof v.query === "string" ? v.query : v.query!.query }));

/** A whole bazaar in this process that has confirmed an order, dead-lettered a message, sent a 404. */
async function busySystem(): Promise<TestSystem> {
  const system = await startSystem("memory");
  try {
    const shop = new Shop(system);
    const product = await shop.product(5, 100);
    const buyer = await shop.customer(1_000);
    const order = await shop.order(buyer, [{ product_id: product, quantity: 1 }]);
    assert.equal(order.status, "confirmed");
    const doomed = await system.process.bus.subscribe("doomed", [pinged], () => {
      throw new Error("always fails");
    }, { maxDeliver: 1 });
    await system.process.bus.publish(pinged, { n: 1 });
    await waitFor(async () => (await system.process.bus.deadLetters.list("doomed")).length === 1);
    await doomed.close();
    assert.equal((await system.call("GET", "/no-such-route")).status, 404);
  } catch (error) {
    await system.stop();
    throw error;
  }
  return system;
}

async function scrape(system: TestSystem): Promise<Scrape> {
  const reply = await system.call("GET", "/metrics");
  assert.equal(reply.status, 200);
  return parseScrape(String(reply.body));
}

/** What is wrong with `expr` against the scrape: names, labels, literal values. */
function problems(expr: string, exported: Scrape): string[] {
  const found: string[] = [];
  const { selectors, groupingLabels } = parseExpression(expr);
  if (selectors.length === 0) found.push("selects no metric");
  const allLabels = new Set([...TARGET_LABELS]);
  for (const selector of selectors) {
    const labels = exported.series.get(selector.metric);
    if (!labels) {
      found.push(`metric ${selector.metric} is not exported`);
      continue;
    }
    for (const label of labels.keys()) allLabels.add(label);
    for (const { label, op, value } of selector.matchers) {
      if (TARGET_LABELS.has(label)) continue;
      const values = labels.get(label);
      if (!values) {
        found.push(`${selector.metric} has no label ${label}`);
      } else if (op === "=" && !value.includes("$") && !values.has(value)) {
        found.push(`${selector.metric}{${label}="${value}"} matches no series`);
      }
    }
  }
  for (const label of groupingLabels) {
    if (!allLabels.has(label)) found.push(`groups by ${label}, which no selected metric has`);
  }
  return found;
}

Deno.test("dashboard: every panel has a unique id, the datasource variable and fits the grid", () => {
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, "unique panel ids");
  assert.ok(dashboard.templating.list.some((v) => v.name === "datasource"));
  for (const panel of dashboard.panels) {
    assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} fits 24 columns`);
    if (panel.type === "row") continue;
    assert.equal(panel.datasource?.uid, "${datasource}", `${panel.title} uses $datasource`);
    assert.ok(panel.targets?.length, `${panel.title} has a query`);
  }
});

Deno.test("dashboard: every PromQL expression names metrics, labels and values bazaar exports", async () => {
  const system = await busySystem();
  try {
    const exported = await scrape(system);
    for (const family of REQUIRED) {
      assert.ok(exported.families.has(family), `bazaar exports ${family}`);
      assert.ok(
        expressions.some(({ expr }) => expr.includes(family)),
        `the dashboard shows ${family}`,
      );
    }
    const wrong = expressions.flatMap(({ panel, expr }) =>
      problems(expr, exported).map((problem) => `${panel}: ${problem}\n  ${expr}`)
    );
    assert.deepEqual(wrong, []);
    for (const { name, query } of variableQueries) {
      const match = query.match(/^label_values\((\w+),\s*(\w+)\)$/);
      assert.ok(match, `$${name}: ${query}`);
      const labels = exported.series.get(match[1]!);
      assert.ok(labels?.has(match[2]!) || TARGET_LABELS.has(match[2]!), `$${name}: ${query}`);
    }
  } finally {
    await system.stop();
  }
});

/** The dashboard's variables, as Grafana would put them into an expression. */
function substitute(expr: string): string {
  return expr.replaceAll("$__rate_interval", "1m").replaceAll("$job", ".*").replaceAll(
    "$group",
    ".*",
  );
}

/** Expressions that are empty until something goes wrong (a 5xx). */
const EMPTY_WHEN_HEALTHY = /status=~"5\.\."/;

Deno.test({
  name: "dashboard: every expression evaluates, with data, on a Prometheus scraping bazaar",
  ignore: !prometheusAvailable(),
  fn: async () => {
    const system = await busySystem();
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      system.process.app.fetch,
    );
    let prometheus: PrivatePrometheus | null = null;
    try {
      prometheus = await PrivatePrometheus.start(`127.0.0.1:${server.addr.port}`);
      // Traffic between scrapes, so rates and quantiles have increases to show.
      const shop = new Shop(system);
      const product = await shop.product(100, 100);
      const buyer = await shop.customer(100_000);
      await waitFor(async () => {
        await shop.order(buyer, [{ product_id: product, quantity: 1 }]);
        const scrapes = await prometheus!.query(
          'count_over_time(http_requests_total{route="/orders",method="POST"}[1m])',
        );
        const counts = (scrapes.data?.result ?? []) as { value: [number, string] }[];
        return counts.some((c) => Number(c.value[1]) >= 4);
      }, { timeoutMs: 30_000, intervalMs: 300, message: "four scrapes with orders between" });
      const failures: string[] = [];
      for (const { panel, expr } of [...expressions]) {
        const result = await prometheus.query(substitute(expr));
        if (result.status !== "success") {
          failures.push(`${panel}: ${result.error}\n  ${expr}`);
        } else if (!result.data?.result.length && !EMPTY_WHEN_HEALTHY.test(expr)) {
          failures.push(`${panel}: no data\n  ${expr}`);
        }
      }
      for (const { name, query } of variableQueries) {
        const [, metric, label] = query.match(/^label_values\((\w+),\s*(\w+)\)$/)!;
        const result = await prometheus.query(`count by (${label}) (${metric})`);
        if (!result.data?.result.length) failures.push(`$${name}: no values for ${query}`);
      }
      assert.deepEqual(failures, []);
    } finally {
      await prometheus?.close();
      await server.shutdown();
      await system.stop();
    }
  },
});
