/**
 * The gateway routes each module's paths to the processes that run it, and
 * only to them, counted on every member's own /metrics.
 */
import assert from "node:assert/strict";
import type { ModuleName } from "../../lib/module.ts";
import type { Cluster } from "../../testing/cluster.ts";
import { sumOf } from "../../testing/metrics.ts";

/** Requests each member answered, but for its /metrics scrapes. */
async function requestsSeen(cluster: Cluster): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (const member of cluster.members) {
    const samples = await member.metrics();
    seen.set(
      member.name,
      sumOf(samples, "http_requests_total") -
        sumOf(samples, "http_requests_total", { route: "/metrics" }),
    );
  }
  return seen;
}

/** One request of each module's, as a client of the gateway would send it. */
const ROUTE_PROBES: Record<ModuleName, (cluster: Cluster) => Promise<number>> = {
  inventory: async (c) => (await c.call("GET", "/inventory/products?limit=1")).status,
  accounts: async (c) =>
    (await c.call("POST", "/accounts/customers", {
      body: { name: "Probe", email: `${crypto.randomUUID()}@example.com` },
    })).status,
  orders: async (c) => (await c.call("GET", "/orders?limit=1", { token: c.admin })).status,
  messaging: async (c) =>
    (await c.call("GET", "/messaging/notifications?limit=1", { token: c.admin })).status,
  web: async (c) => (await c.call("GET", "/")).status,
};

export async function assertRouting(cluster: Cluster): Promise<void> {
  const health = await cluster.call("GET", "/health");
  assert.equal(health.status, 200);
  assert.deepEqual(health.body, { status: "ok", gateway: "nginx" });
  for (const path of ["/nowhere", "/inventoryx/products", "/metrics"]) {
    const unknown = await cluster.call("GET", path);
    assert.equal(unknown.status, 404, path);
    assert.match(unknown.headers.get("content-type") ?? "", /application\/json/, path);
    assert.equal(unknown.body?.error?.code, "not_found", path);
  }

  for (const member of cluster.members) {
    const own = await member.call("GET", "/health");
    assert.deepEqual(own.body.modules, member.modules, `${member.name} runs only its modules`);
  }

  for (const [module, probe] of Object.entries(ROUTE_PROBES)) {
    const serving = cluster.serving(module as ModuleName).map((member) => member.name);
    const requests = 2 * serving.length;
    const before = await requestsSeen(cluster);
    for (let i = 0; i < requests; i++) {
      assert.ok([200, 201].includes(await probe(cluster)), `${module} answers`);
    }
    const after = await requestsSeen(cluster);
    const delta = (name: string) => after.get(name)! - before.get(name)!;
    for (const member of cluster.members) {
      if (serving.includes(member.name)) {
        assert.ok(delta(member.name) > 0, `${member.name} answered some /${module} requests`);
      } else {
        assert.equal(delta(member.name), 0, `${member.name} answered no /${module} request`);
      }
    }
    const answered = serving.reduce((sum, name) => sum + delta(name), 0);
    assert.equal(answered, requests, `every /${module} request reached one of ${serving}`);
  }
}
