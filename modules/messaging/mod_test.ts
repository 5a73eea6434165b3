import assert from "node:assert/strict";
import type { Hono } from "hono";
import { createLogger } from "../../lib/logger.ts";
import type { StoreKind } from "../../lib/module.ts";
import { type ModuleHarness, storeTests, withModule } from "../../testing/module_harness.ts";
import { serviceUrl } from "../../testing/services.ts";
import { waitFor } from "../../testing/wait.ts";
import { customerRegistered } from "../accounts/events.ts";
import { productSaved } from "../inventory/events.ts";
import { orderCancelled, orderConfirmed, orderRefunded, orderRejected } from "../orders/events.ts";
import { messagingEvents } from "./events.ts";
import { messagingModule } from "./mod.ts";

const ADMIN = { authorization: "Bearer test-admin-token" };
const redisUrl = serviceUrl("REDIS_URL");

interface Harness extends ModuleHarness {
  /** Structured log lines the module wrote. */
  logs: Record<string, unknown>[];
}

/**
 * Messaging on a private memory bus, with a test group recording its
 * messaging.notification_created events (`seen`); stopping checks every Redis
 * key it wrote is in its keyspace.
 */
function withMessaging(store: StoreKind, body: (h: Harness) => Promise<void>) {
  const logs: Record<string, unknown>[] = [];
  const log = createLogger("info", {}, (line) => logs.push(JSON.parse(line)));
  return withModule(
    messagingModule,
    { store, redisUrl, observe: messagingEvents, log },
    (h) => body({ ...h, logs }),
  );
}

type Listed = { items: { kind: string; status: string; subject: string; body: string }[] };

async function notificationsOf(app: Hono, order: string): Promise<Listed["items"]> {
  const response = await app.request(`/messaging/notifications?order_id=${order}`, {
    headers: ADMIN,
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as Listed).items;
}

async function invoiceOf(
  app: Hono,
  order: string,
): Promise<{ items: { name: string | null }[] } | null> {
  const response = await app.request(`/messaging/invoices/${order}`, { headers: ADMIN });
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  assert.equal(response.status, 200);
  return await response.json();
}

// Alike, not shared, with orders' transitions_test order: this is the order.confirmed facts
// messaging renders (its amounts are checked in the texts), that one an order the saga moves.
const confirmed = (order_id: string, customer_id = "cus-1") => ({
  order_id,
  customer_id,
  items: [
    { product_id: "p-1", quantity: 2, unit_price: 1250 },
    { product_id: "p-2", quantity: 1, unit_price: 99 },
  ],
  subtotal: 2599,
  fee: 26,
  total: 2625,
});

for (const store of ["memory", "redis"] as const) {
  const test = storeTests("messaging", store, redisUrl, withMessaging);

  test("order.confirmed gives one notification, an invoice and a log delivery", async (h) => {
    await h.bus.publish(customerRegistered, {
      customer_id: "cus-1",
      name: "Ada",
      email: "ada@example.com",
    });
    // Registration and order travel on different streams: let the name land first.
    await h.bus.publish(orderRejected, { order_id: "warm-up", customer_id: "cus-1", reason: "x" });
    await waitFor(async () => (await notificationsOf(h.app, "warm-up")).length === 1);
    const cause = await h.bus.publish(orderConfirmed, confirmed("ord-1"));
    const created = await waitFor(() =>
      h.seen.find((e) => (e.data as { order_id: string }).order_id === "ord-1")
    );
    assert.equal(created.causation_id, cause.id);
    assert.equal((created.data as { kind: string }).kind, "confirmed");

    const [sent] = await waitFor(async () => {
      const items = await notificationsOf(h.app, "ord-1");
      return items[0]?.status === "sent" ? items : null;
    });
    assert.equal(sent?.kind, "confirmed");
    assert.match(sent!.body, /^Hello Ada,/);
    assert.match(sent!.body, /\$26\.25/);
    assert.ok(
      h.logs.some((line) => line.message === "Notification sent" && line.order_id === "ord-1"),
    );

    const invoice = await h.app.request("/messaging/invoices/ord-1", { headers: ADMIN });
    assert.equal(invoice.status, 200);
    const json = await invoice.json();
    assert.equal(json.number, "INV-000001");
    assert.deepEqual(json.items.map((i: { amount: number }) => i.amount), [2500, 99]);
    assert.deepEqual([json.customer_name, json.customer_email], ["Ada", "ada@example.com"]);
  });

  test("a duplicated or concurrent order.confirmed notifies exactly once", async (h) => {
    const data = confirmed("ord-2");
    const first = await h.bus.publish(orderConfirmed, data);
    // The same envelope redelivered, and fresh copies published at once.
    await Promise.all([
      h.bus.publishEnvelope(first),
      ...[1, 2, 3, 4].map(() => h.bus.publish(orderConfirmed, data)),
    ]);
    // A marker of the same type, published last, is handled after the copies
    // (one stream, delivered in order; one store connection, commands in order).
    await h.bus.publish(orderConfirmed, confirmed("marker"));
    await waitFor(async () => (await notificationsOf(h.app, "marker")).length === 1);
    await waitFor(() => h.seen.length >= 2);
    assert.equal((await notificationsOf(h.app, "ord-2")).length, 1);
    const created = h.seen.filter((e) => (e.data as { order_id: string }).order_id === "ord-2");
    assert.equal(created.length, 1);
    const invoice = await (await h.app.request("/messaging/invoices/ord-2", { headers: ADMIN }))
      .json();
    assert.equal(invoice.number, "INV-000001");
  });

  test("rejected, cancelled and refunded orders each get their notification", async (h) => {
    await h.bus.publish(orderRejected, {
      order_id: "ord-3",
      customer_id: "cus-2",
      reason: "insufficient_funds",
    });
    await h.bus.publish(orderCancelled, { order_id: "ord-4", customer_id: "cus-2", refund: false });
    await h.bus.publish(orderRefunded, {
      order_id: "ord-5",
      customer_id: "cus-2",
      amount: 1500,
      reason: "product_unavailable",
    });
    const kinds = await waitFor(async () => {
      const found = await Promise.all(
        ["ord-3", "ord-4", "ord-5"].map((o) => notificationsOf(h.app, o)),
      );
      return found.every((items) => items.length === 1) ? found.map((items) => items[0]!) : null;
    });
    assert.deepEqual(kinds.map((n) => n.kind), ["rejected", "cancelled", "refunded"]);
    assert.match(kinds[0]!.body, /balance was too low/);
    assert.match(kinds[2]!.body, /refunded \$15\.00/);
    // No invoice without a confirmation.
    const none = await h.app.request("/messaging/invoices/ord-3", { headers: ADMIN });
    assert.equal(none.status, 404);
    await none.body?.cancel();
  });

  test("inventory.product_saved names the products of notifications and invoices", async (h) => {
    const saved = (product_id: string, name: string, revision: number) =>
      h.bus.publish(productSaved, {
        product_id,
        name,
        price: 1250,
        sku: null,
        revision,
        updated_at: new Date().toISOString(),
      });
    await saved("p-1", "Blue Teapot", 2);
    // An older rename delivered late must not win.
    await saved("p-1", "Pot", 1);
    // One stream, handled in order: once the marker's name is known, so are the others.
    await saved("p-marker", "Marker", 1);
    await h.bus.publish(orderConfirmed, {
      ...confirmed("ord-marker"),
      items: [{ product_id: "p-marker", quantity: 1, unit_price: 1 }],
    });
    await waitFor(async () => (await invoiceOf(h.app, "ord-marker"))?.items[0]?.name === "Marker");

    await h.bus.publish(orderConfirmed, confirmed("ord-1"));
    const [note] = await waitFor(async () => {
      const items = await notificationsOf(h.app, "ord-1");
      return items.length ? items : null;
    });
    assert.match(note!.body, /\n {2}2 × Blue Teapot\n {2}1 × p-2\n/);
    const issued = await invoiceOf(h.app, "ord-1");
    assert.deepEqual(issued?.items.map((i) => i.name), ["Blue Teapot", null]);
    // Named after the invoice was issued: filled in when it is read.
    await saved("p-2", "Mug", 1);
    await waitFor(async () => (await invoiceOf(h.app, "ord-1"))?.items[1]?.name === "Mug");
    assert.equal((await invoiceOf(h.app, "ord-1"))?.items[0]?.name, "Blue Teapot");
  });

  test("ready() answers while the store is reachable", async ({ module }) => {
    await module.ready();
  });
}
