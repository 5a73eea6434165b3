/**
 * The architecture, enforced on the import graph:
 *
 * - a module's code may import another module only through that module's
 *   published `events.ts`, and the shared code (`bus/`, `lib/`, `testing/`)
 *   imports no module at all;
 * - production code never imports test support;
 * - a module's `domain/` knows nothing of its stores, its HTTP face, the bus
 *   adapters or `lib/http.ts`;
 * - a module reaches the bus only through `bus/mod.ts`.
 *
 * Each rule is a function of one import edge; each has a test that runs the
 * checker on a small graph with a forbidden edge, so a rule that stopped
 * catching anything would fail here rather than pass quietly.
 */
import assert from "node:assert/strict";
import { type ImportEdge, importGraph } from "../testing/import_graph.ts";

/** A rule: the reason an import from `from` to `to` (repo-relative paths) is forbidden, or null. */
type Rule = (from: string, to: string) => string | null;

const TEST_SUPPORT_NAME = /(^|_)(fakes|harness|fixtures|conformance)(_|\.|$)|^_testing\./;

/** Conformance suites, fakes, harnesses and fixtures: under a `testing/` folder, or named so. */
export function isTestSupport(path: string): boolean {
  const parts = path.split("/");
  const name = parts.at(-1) ?? "";
  return parts.includes("testing") || TEST_SUPPORT_NAME.test(name);
}

/** A test, or code that exists only for tests and benchmarks. */
export function isTestCode(path: string): boolean {
  const top = path.split("/")[0]!;
  return ["tests", "testing", "bench"].includes(top) || /_test\.tsx?$/.test(path) ||
    isTestSupport(path);
}

/** The module a file belongs to: its own folder, or its test support under testing/modules/. */
function moduleOf(path: string): string | null {
  const [top, second, third] = path.split("/");
  if (top === "modules") return second ?? null;
  if (top === "testing" && second === "modules") return third ?? null;
  return null;
}

/** Modules link only through another module's events.ts; shared code imports no module. */
export const moduleBoundary: Rule = (from, to) => {
  const fromTop = from.split("/")[0]!;
  const [toTop, toModule, ...rest] = to.split("/");
  const composers = ["mod.ts", "app", "tests", "testing", "bench"];
  if (toTop === "app" && !composers.includes(fromTop)) {
    return "only the program and its tests may import app/";
  }
  if (toTop !== "modules") return null;
  const fromModule = moduleOf(from);
  if (fromModule === toModule) return null;
  if (fromTop === "app" || fromTop === "tests" || fromTop === "bench") {
    return null; // the program and the whole-system tests compose modules
  }
  if (fromModule !== null && rest.join("/") === "events.ts") return null;
  return fromModule !== null
    ? `module "${fromModule}" may import module "${toModule}" only through its events.ts`
    : `${fromTop}/ is shared code and may not import a module`;
};

/** What ships never depends on what exists only for tests. */
export const noTestSupportInProduction: Rule = (from, to) => {
  if (isTestCode(from)) return null;
  if (isTestCode(to)) return "production code may not import test support";
  return null;
};

const DOMAIN = /^modules\/([^/]+)\/domain\//;
const BUS_ADAPTER = /^bus\/(memory|redis|nats)\/|^bus\/factory\.ts$/;

/** A module's domain/ is rules and entities: no store, no HTTP, no broker. */
export const domainStaysPure: Rule = (from, to) => {
  const module = DOMAIN.exec(from)?.[1];
  if (module === undefined) return null;
  if (to.startsWith(`modules/${module}/store/`)) return "domain/ may not import its store/";
  if (to.startsWith(`modules/${module}/http/`)) return "domain/ may not import its http/";
  if (BUS_ADAPTER.test(to)) return "domain/ may not import a bus adapter";
  if (to === "lib/http.ts") return "domain/ may not import lib/http.ts";
  return null;
};

/**
 * A module's shipping code sees the bus through its public face. Tests and
 * test support may still build a bus from the factory or an adapter.
 */
export const busThroughMod: Rule = (from, to) => {
  if (!from.startsWith("modules/") || isTestCode(from)) return null;
  if (!to.startsWith("bus/") || to === "bus/mod.ts") return null;
  return "a module may import bus/ only through bus/mod.ts";
};

/** The broken imports of `edges` under `rules`, one line each. */
export function violations(edges: ImportEdge[], rules: Rule[]): string[] {
  const problems: string[] = [];
  for (const { from, to } of edges) {
    for (const rule of rules) {
      const broken = rule(from, to);
      if (broken) problems.push(`${from} imports ${to}: ${broken}`);
    }
  }
  return problems;
}

/** The rules checked against the whole tree. */
const RULES: Rule[] = [moduleBoundary, noTestSupportInProduction, domainStaysPure, busThroughMod];

function assertCatches(rule: Rule, edges: [string, string][], allowed: [string, string][]) {
  const graph = (pairs: [string, string][]) => pairs.map(([from, to]) => ({ from, to }));
  assert.equal(violations(graph(edges), [rule]).length, edges.length, "a forbidden edge passed");
  assert.deepEqual(violations(graph(allowed), [rule]), []);
}

Deno.test("moduleBoundary allows events.ts and forbids everything else across modules", () => {
  assert.equal(moduleBoundary("modules/orders/saga/x.ts", "modules/inventory/events.ts"), null);
  assert.equal(moduleBoundary("modules/orders/a.ts", "modules/orders/store/b.ts"), null);
  assert.match(
    moduleBoundary("modules/orders/a.ts", "modules/inventory/store/redis.ts") ?? "",
    /only through its events.ts/,
  );
  assert.match(moduleBoundary("bus/x.ts", "modules/orders/events.ts") ?? "", /shared code/);
  assert.match(moduleBoundary("modules/orders/a.ts", "app/process.ts") ?? "", /app/);
  assert.equal(moduleBoundary("mod.ts", "app/main.ts"), null);
  // A module's test support under testing/modules/ counts as the module's own.
  assert.equal(
    moduleBoundary("testing/modules/orders/fakes.ts", "modules/orders/store/x.ts"),
    null,
  );
  assert.equal(
    moduleBoundary("testing/modules/orders/fakes.ts", "modules/accounts/events.ts"),
    null,
  );
  assert.match(
    moduleBoundary("testing/modules/orders/fakes.ts", "modules/accounts/store/redis.ts") ?? "",
    /only through its events.ts/,
  );
  assert.match(moduleBoundary("testing/wait.ts", "modules/orders/events.ts") ?? "", /shared code/);
});

Deno.test("isTestSupport() knows testing/ folders and the fakes, harness and conformance names", () => {
  for (
    const path of [
      "testing/wait.ts",
      "testing/modules/orders/fakes.ts",
      "modules/orders/testing/system.ts",
      "modules/orders/_fakes.ts",
      "modules/orders/http/_harness.ts",
      "modules/inventory/_module_harness.ts",
      "modules/orders/saga/_fixtures.ts",
      "modules/inventory/http/_testing.ts",
      "bus/conformance.ts",
      "bus/conformance_delivery.ts",
      "modules/inventory/store/_conformance_helpers.ts",
    ]
  ) assert.ok(isTestSupport(path), path);
  for (
    const path of ["modules/orders/service.ts", "bus/redis/bus.ts", "modules/web/http/shell.tsx"]
  ) assert.ok(!isTestSupport(path), path);
});

Deno.test("noTestSupportInProduction catches shipping code that imports test support", () => {
  assertCatches(noTestSupportInProduction, [
    ["modules/orders/service.ts", "testing/wait.ts"],
    ["app/process.ts", "modules/orders/_fakes.ts"],
    ["bus/factory.ts", "bus/conformance.ts"],
    ["lib/outbox.ts", "testing/modules/orders/system.ts"],
    ["mod.ts", "modules/orders/http/_harness.ts"],
  ], [
    ["modules/orders/service_test.ts", "testing/wait.ts"],
    ["modules/orders/store/conformance.ts", "testing/store_suite.ts"],
    ["tests/saga_cases.ts", "modules/orders/_fakes.ts"],
    ["bench/bus.ts", "testing/services.ts"],
    ["modules/orders/service.ts", "lib/outbox.ts"],
  ]);
});

Deno.test("domainStaysPure catches a domain/ that imports its store, http, a bus adapter or lib/http.ts", () => {
  assertCatches(domainStaysPure, [
    ["modules/accounts/domain/accounts.ts", "modules/accounts/store/types.ts"],
    ["modules/orders/domain/order.ts", "modules/orders/http/schemas.ts"],
    ["modules/messaging/domain/messaging.ts", "bus/redis/bus.ts"],
    ["modules/messaging/domain/messaging.ts", "bus/factory.ts"],
    ["modules/inventory/domain/product.ts", "lib/http.ts"],
  ], [
    ["modules/accounts/domain/accounts.ts", "modules/accounts/domain/rules.ts"],
    ["modules/accounts/domain/accounts.ts", "lib/errors.ts"],
    ["modules/accounts/store/redis.ts", "modules/accounts/domain/accounts.ts"],
    ["modules/accounts/http/routes.ts", "modules/accounts/domain/accounts.ts"],
    ["modules/orders/domain/order.ts", "bus/mod.ts"],
  ]);
});

Deno.test("busThroughMod catches a module importing bus/ past bus/mod.ts", () => {
  assertCatches(busThroughMod, [
    ["modules/orders/service.ts", "bus/types.ts"],
    ["modules/inventory/events.ts", "bus/envelope.ts"],
    ["modules/accounts/store/redis.ts", "bus/redis/connection.ts"],
  ], [
    ["modules/orders/service.ts", "bus/mod.ts"],
    ["modules/orders/service_test.ts", "bus/memory/bus.ts"],
    ["modules/orders/store/conformance.ts", "bus/envelope.ts"],
    ["app/process.ts", "bus/factory.ts"],
    ["lib/outbox.ts", "bus/types.ts"],
  ]);
});

Deno.test("no import in the tree breaks an architecture rule", async () => {
  const edges = await importGraph(["app", "bench", "bus", "lib", "modules", "testing", "tests"]);
  assert.ok(edges.length > 300, `only ${edges.length} imports found: is the scan broken?`);
  assert.deepEqual(violations(edges, RULES), []);
});
