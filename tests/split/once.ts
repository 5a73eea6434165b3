/**
 * Work done once across the cluster: no order through a status twice, no
 * charge or notification twice, and every saga answer handled by exactly one
 * of the two orders processes.
 */
import assert from "node:assert/strict";
import { SAGA_EVENTS } from "../../modules/orders/handlers.ts";
import type { Cluster } from "../../testing/cluster.ts";
import { type Sample, sumOf } from "../../testing/metrics.ts";
import { TERMINAL } from "../../testing/shop.ts";
import { waitFor } from "../../testing/wait.ts";

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
export async function assertNothingTwice(cluster: Cluster): Promise<void> {
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
export async function assertEventsSharedOnce(cluster: Cluster): Promise<string> {
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
