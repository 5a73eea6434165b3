/**
 * "One binary, any subset", proven across real processes: compose.yaml's
 * layout (one process per module, orders twice) behind a real nginx that
 * includes deploy/nginx/routes.conf, on Redis Streams or NATS JetStream with
 * Redis stores. The saga cases run through the gateway; then every order of
 * the cluster is checked for work done twice, and both orders processes for
 * having shared the saga's events between them.
 *
 * One cluster per file, shared by the steps of one test: starting six
 * processes and nginx is most of the time this takes.
 */
import assert from "node:assert/strict";
import { SAGA_EVENTS } from "../modules/orders/handlers.ts";
import { DATA_MODULE_NAMES, type ModuleName } from "../lib/module.ts";
import {
  type Cluster,
  clusterAvailable,
  type ClusterBus,
  startCluster,
} from "../testing/cluster.ts";
import { type Sample, sumOf } from "../testing/metrics.ts";
import { connectRedis } from "../testing/redis.ts";
import { serviceUrl } from "../testing/services.ts";
import { Shop, TERMINAL } from "../testing/shop.ts";
import { waitFor } from "../testing/wait.ts";
import { type Hold, SAGA_CASES, SAGA_FEE_BPS, type SagaCase } from "./saga_cases.ts";

/** Why a case cannot run across processes, or null when it can. */
function skipReason(sagaCase: SagaCase): string | null {
  if (sagaCase.holdsEvents) {
    return "holds an event back with a gated bus, which only a system in the test's process has";
  }
  if (sagaCase.feeBps !== undefined && sagaCase.feeBps !== SAGA_FEE_BPS) {
    return `assumes FEE_BPS=${sagaCase.feeBps}, the cluster runs with ${SAGA_FEE_BPS}`;
  }
  return null;
}

const noHold: Hold = () => {
  throw new Error("Holding events needs a bus in the test's own process");
};

export function runSplitSuite(bus: ClusterBus): void {
  Deno.test({
    name: `split on ${bus}: six processes behind nginx`,
    ignore: !clusterAvailable(bus),
    async fn(t) {
      const started = performance.now();
      const cluster = await startCluster({ bus, env: { FEE_BPS: String(SAGA_FEE_BPS) } });
      const startedMs = Math.round(performance.now() - started);
      let failed = false;
      const step = async (name: string, fn: () => Promise<void>) => {
        if (!await t.step(name, fn)) failed = true;
      };
      let summary = "";
      try {
        await step(
          "the gateway routes each module's paths to its processes only",
          () => assertRouting(cluster),
        );
        for (const sagaCase of SAGA_CASES) {
          const skip = skipReason(sagaCase);
          if (skip) {
            await t.step({
              name: `saga: ${sagaCase.name} (skipped: ${skip})`,
              ignore: true,
              fn() {},
            });
            continue;
          }
          await step(`saga: ${sagaCase.name}`, async () => {
            const shop = new Shop(cluster);
            await sagaCase.run(shop, cluster, noHold);
            await shop.assertInvariants({ notifications: true });
          });
        }
        await step(
          "no order went through a status twice, was charged twice or notified twice",
          () => assertNothingTwice(cluster),
        );
        await step(
          "both orders processes handled saga events, each published answer once",
          async () => {
            summary = await assertEventsSharedOnce(cluster);
          },
        );
        await step(
          "every process kept its store keys under the cluster's KEY_PREFIX",
          () => assertKeysPrefixed(cluster),
        );
      } finally {
        if (failed) console.error(cluster.logs());
        const stopped = await cluster.stop();
        for (const member of stopped) {
          assert.equal(member.code, 0, `${member.name} exits 0 on SIGTERM:\n${member.logs}`);
        }
      }
      assert.deepEqual(
        await keysUnder(cluster.keyPrefix, `bus:${cluster.namespace}:`),
        [],
        "the cluster's keys are deleted",
      );
      console.log(
        `split on ${bus}: ${summary}; cluster up in ${startedMs} ms, ` +
          `${Math.round(performance.now() - started)} ms in all`,
      );
    },
  });
}

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

async function assertRouting(cluster: Cluster): Promise<void> {
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

interface OrderView {
  id: string;
  customer_id: string;
  status: string;
  total: number;
  history: { status: string }[];
}

/**
 * Every order of the cluster (not only one case's): terminal; no status
 * twice in its history (no saga transition applied twice); charged at most
 * once, and a confirmed one exactly once and never refunded; one
 * notification per outcome it reached, and none twice.
 */
async function assertNothingTwice(cluster: Cluster): Promise<void> {
  const listed = await cluster.call("GET", "/orders?limit=100", { token: cluster.admin });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const orders: OrderView[] = listed.body.items;
  assert.ok(orders.length > 0 && orders.length < 100, `one page holds them all: ${orders.length}`);
  const stored = sumOf(await cluster.serving("orders")[0]!.metrics(), "orders_by_status");
  assert.equal(orders.length, stored, "the list has every stored order");

  const ledgers = new Map<string, { type: string; order_id?: string }[]>();
  for (const customerId of new Set(orders.map((order) => order.customer_id))) {
    const ledger = await cluster.call("GET", `/accounts/customers/${customerId}/ledger`, {
      token: cluster.admin,
    });
    if (ledger.status === 404) continue; // an order for an unknown customer
    assert.equal(ledger.status, 200, JSON.stringify(ledger.body));
    ledgers.set(customerId, ledger.body.items);
  }

  for (const order of orders) {
    assert.ok(TERMINAL.includes(order.status), `order ${order.id} is ${order.status}`);
    const statuses = order.history.map((entry) => entry.status);
    assert.deepEqual(statuses, [...new Set(statuses)], `order ${order.id}: a status twice`);
    const entries = (ledgers.get(order.customer_id) ?? []).filter((e) => e.order_id === order.id);
    const charges = entries.filter((entry) => entry.type === "charge").length;
    const refunds = entries.filter((entry) => entry.type === "refund").length;
    assert.ok(
      charges <= 1 && refunds <= 1,
      `order ${order.id}: ${charges} charges, ${refunds} refunds`,
    );
    if (order.status === "confirmed") {
      assert.deepEqual([charges, refunds], [1, 0], `confirmed order ${order.id} charged once`);
    } else {
      assert.equal(charges, refunds, `${order.status} order ${order.id} keeps no charge`);
    }
  }

  // Messaging lags the saga a little: wait until every outcome is notified, then compare.
  const expected = (order: OrderView) =>
    order.history.map((entry) => entry.status).filter((status) => TERMINAL.includes(status))
      .sort();
  const notified = async (order: OrderView) => {
    const reply = await cluster.call("GET", `/messaging/notifications?order_id=${order.id}`, {
      token: cluster.admin,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return (reply.body.items as { kind: string }[]).map((note) => note.kind).sort();
  };
  await waitFor(async () => {
    for (const order of orders) {
      if ((await notified(order)).length < expected(order).length) return false;
    }
    return true;
  }, { timeoutMs: 15_000, intervalMs: 100, message: "every outcome notified" });
  for (const order of orders) {
    assert.deepEqual(await notified(order), expected(order), `notifications of ${order.id}`);
  }
}

/** Saga events handled by the orders group, per orders process. */
function sagaEventsHandled(samples: Sample[]): number {
  return sumOf(samples, "bus_messages_total", { group: "orders", outcome: "handled" });
}

/**
 * Every answer inventory and accounts published (each once on the bus) must
 * have been handled by exactly one of the two orders processes: fewer is a
 * lost event, more is one handled twice.
 *
 * Counted against the answers on the bus, not against the requests inventory
 * and accounts handled: a request may rightly get no answer. A cancel from
 * `pending` sends order.stock_release_requested right behind order.placed,
 * and each event type has its own consumer, so inventory may handle the
 * release first; the order.placed that follows finds the release tombstone
 * and is answered with nothing (see answerToRepeatedPlacement).
 */
async function assertEventsSharedOnce(cluster: Cluster): Promise<string> {
  const answerTypes = SAGA_EVENTS.map((event) => event.type);
  const count = async () => {
    const published = await cluster.eventsPublished(answerTypes);
    const handled: Record<string, number> = {};
    for (const member of cluster.serving("orders")) {
      handled[member.name] = sagaEventsHandled(await member.metrics());
    }
    return { published, handled };
  };
  const total = (handled: Record<string, number>) =>
    Object.values(handled).reduce((sum, n) => sum + n, 0);
  // The last answers may still be on their way; settle on a count that holds still.
  let last = "";
  const settled = await waitFor(async () => {
    const now = await count();
    const key = JSON.stringify(now);
    const stable = key === last && total(now.handled) > 0;
    last = key;
    return stable ? now : null;
  }, { timeoutMs: 15_000, intervalMs: 200, message: "saga event counts settled" })
    .catch(async (error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await count())}`);
    });
  for (const [name, handled] of Object.entries(settled.handled)) {
    assert.ok(handled > 0, `${name} handled saga events: ${JSON.stringify(settled.handled)}`);
  }
  let deadLettered = 0;
  let redelivered = 0;
  let ordersRedelivered = 0;
  for (const member of cluster.members) {
    const samples = await member.metrics();
    deadLettered += sumOf(samples, "bus_messages_total", { outcome: "dead_lettered" });
    redelivered += sumOf(samples, "bus_messages_total", { outcome: "redelivered" });
    ordersRedelivered += sumOf(samples, "bus_messages_total", {
      group: "orders",
      outcome: "redelivered",
    });
  }
  // Every answer handled once; more only by as many as the bus visibly redelivered
  // (at least once allows it, and the histories show no transition ran twice).
  const handledTotal = total(settled.handled);
  const why = `orders handled ${JSON.stringify(settled.handled)} of ${settled.published} ` +
    `answers published, ${ordersRedelivered} redelivered`;
  assert.ok(handledTotal >= settled.published, why);
  assert.ok(handledTotal <= settled.published + ordersRedelivered, why);
  assert.equal(deadLettered, 0, "no message was dead-lettered");
  return `${settled.published} saga answers, ${total(settled.handled)} handled, split ${
    Object.entries(settled.handled).map(([name, n]) => `${name} ${n}`).join(" / ")
  }, ${redelivered} redelivered`;
}

/** The keys on REDIS_URL that start with any of `prefixes`. */
async function keysUnder(...prefixes: string[]): Promise<string[]> {
  const redis = await connectRedis(serviceUrl("REDIS_URL")!);
  try {
    const keys: string[] = [];
    for (const prefix of prefixes) {
      let cursor = "0";
      do {
        const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== "0");
    }
    return keys;
  } finally {
    await redis.quit();
  }
}

/**
 * KEY_PREFIX reached every process: each module's keyspace sits under the
 * cluster's prefix (which is what lets clusters share one Redis).
 */
async function assertKeysPrefixed(cluster: Cluster): Promise<void> {
  const keys = await keysUnder(cluster.keyPrefix);
  for (const module of DATA_MODULE_NAMES) {
    assert.ok(
      keys.some((key) => key.startsWith(`${cluster.keyPrefix}${module}:`)),
      `${module} keys under ${cluster.keyPrefix}`,
    );
  }
}
