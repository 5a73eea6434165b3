/**
 * The one messaging store suite, run by the memory and the Redis store alike
 * (`memory_test.ts`, `redis_test.ts`).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Envelope } from "../../../bus/types.ts";
import { outboxEvent } from "../../../lib/outbox.ts";
import { notificationCreated } from "../../../modules/messaging/events.ts";
import { type OpenedStore, storeCase, type StoreHarness } from "../../store_suite.ts";
import type { MessagingStore } from "../../../modules/messaging/store/types.ts";
import type {
  NewInvoice,
  Notification,
  NotificationKind,
} from "../../../modules/messaging/domain/types.ts";

export type MessagingStoreHarness = StoreHarness<OpenedStore<MessagingStore>>;

const T0 = Date.parse("2030-01-01T00:00:00.000Z");
let counter = 0;

function notification(
  order_id: string,
  kind: NotificationKind,
  customer_id = "cus-1",
): Notification {
  const n = counter++;
  return {
    id: `ntf-${n}-${crypto.randomUUID().slice(0, 8)}`,
    customer_id,
    order_id,
    kind,
    subject: `Order ${order_id} ${kind}`,
    body: "Hello",
    channel: "log",
    status: "pending",
    // Distinct, increasing times so "newest first" has one answer.
    created_at: new Date(T0 + n * 1000).toISOString(),
    attempts: 0,
    last_error: null,
  };
}

function created(n: Notification): Envelope {
  return outboxEvent("messaging", notificationCreated, {
    notification_id: n.id,
    customer_id: n.customer_id,
    order_id: n.order_id,
    kind: n.kind,
    channel: n.channel,
  });
}

function invoiceFor(n: Notification): NewInvoice {
  return {
    order_id: n.order_id,
    customer_id: n.customer_id,
    items: [
      { product_id: "p1", name: "Teapot", quantity: 2, unit_price: 150, amount: 300 },
      { product_id: "p2", name: null, quantity: 1, unit_price: 0, amount: 0 },
    ],
    subtotal: 300,
    fee: 3,
    total: 303,
    issued_at: n.created_at,
    customer_name: "Ada",
    customer_email: "ada@example.com",
  };
}

async function record(store: MessagingStore, n: Notification, withInvoice = false) {
  return await store.recordNotification(n, withInvoice ? invoiceFor(n) : null, created(n));
}

export function runMessagingStoreConformance(harness: MessagingStoreHarness): void {
  const test = (name: string, fn: (store: MessagingStore) => Promise<void>) =>
    storeCase(harness, `${harness.name} messaging store: ${name}`, ({ store }) => fn(store));

  test("saveContact() keeps the latest name and address of a customer", async (store) => {
    assert.equal(await store.contact("cus-9"), null);
    await store.saveContact({ customer_id: "cus-9", name: "Ada", email: "a@example.com" });
    await store.saveContact({ customer_id: "cus-9", name: "Ada L.", email: "a@example.com" });
    assert.deepEqual(await store.contact("cus-9"), {
      customer_id: "cus-9",
      name: "Ada L.",
      email: "a@example.com",
    });
  });

  test("saveProductName() keeps the newest name, whatever order they arrive in", async (store) => {
    assert.deepEqual(await store.productNames(["p-1"]), new Map());
    const renames = [
      [1, "Pot", true],
      [3, "Teapot", true],
      // A rename older than the one kept, arriving late, and a redelivery: both ignored.
      [2, "Old", false],
      [3, "Teapot", false],
    ] as const;
    for (const [revision, name, kept] of renames) {
      assert.equal(await store.saveProductName({ product_id: "p-1", name, revision }), kept);
    }
    await store.saveProductName({ product_id: "p-2", name: 'Thé "vert" 🍵', revision: 1 });
    assert.deepEqual(
      await store.productNames(["p-2", "p-missing", "p-1"]),
      new Map([["p-2", 'Thé "vert" 🍵'], ["p-1", "Teapot"]]),
    );
    assert.deepEqual(await store.productNames([]), new Map());
  });

  test("recordNotification() records once per order and kind", async (store) => {
    const first = notification("o1", "confirmed");
    assert.deepEqual(await record(store, first, true), first);
    assert.equal(await record(store, notification("o1", "confirmed"), true), null);
    assert.deepEqual(await store.notification(first.id), first);
    const all = await store.notifications({ order_id: "o1", limit: 10 });
    assert.deepEqual(all.map((n) => n.id), [first.id]);
    const events = await store.outbox.peek(10);
    assert.deepEqual(events.map((e) => e.envelope.type), ["messaging.notification_created"]);
    assert.equal((await store.invoice("o1"))?.number, "INV-000001");
  });

  test("recordNotification() keeps exactly one under concurrent duplicates", async (store) => {
    const attempts = Array.from({ length: 20 }, () => notification("o2", "confirmed"));
    const results = await Promise.all(attempts.map((n) => record(store, n, true)));
    const winners = results.filter((r) => r !== null);
    assert.equal(winners.length, 1);
    assert.equal((await store.notifications({ order_id: "o2", limit: 50 })).length, 1);
    assert.equal((await store.outbox.peek(50)).length, 1);
    // The losers took no invoice number: the next invoice is the second one.
    assert.equal((await store.invoice("o2"))?.number, "INV-000001");
    await record(store, notification("o3", "confirmed"), true);
    assert.equal((await store.invoice("o3"))?.number, "INV-000002");
  });

  test("each outcome kind of an order gets its own notification", async (store) => {
    await record(store, notification("o4", "confirmed"), true);
    await record(store, notification("o4", "refunded"));
    await record(store, notification("o4", "refunded"));
    const kinds = (await store.notifications({ order_id: "o4", limit: 10 })).map((n) => n.kind);
    assert.deepEqual(kinds, ["refunded", "confirmed"]);
  });

  test("invoice() holds the issued invoice and nothing for other orders", async (store) => {
    const n = notification("o5", "confirmed");
    await record(store, n, true);
    assert.deepEqual(await store.invoice("o5"), { ...invoiceFor(n), number: "INV-000001" });
    await record(store, notification("o6", "rejected"));
    assert.equal(await store.invoice("o6"), null);
    assert.equal(await store.invoice("nope"), null);
  });

  test("notifications() filters by customer and order, newest first", async (store) => {
    const a1 = notification("oa1", "confirmed", "cus-a");
    const b1 = notification("ob1", "rejected", "cus-b");
    const a2 = notification("oa2", "cancelled", "cus-a");
    for (const n of [a1, b1, a2]) await record(store, n);
    const ids = async (filter: { customer_id?: string; order_id?: string; limit?: number }) =>
      (await store.notifications({ limit: 100, ...filter })).map((n) => n.id);
    assert.deepEqual(await ids({}), [a2.id, b1.id, a1.id]);
    assert.deepEqual(await ids({ limit: 2 }), [a2.id, b1.id]);
    assert.deepEqual(await ids({ customer_id: "cus-a" }), [a2.id, a1.id]);
    assert.deepEqual(await ids({ customer_id: "cus-a", limit: 1 }), [a2.id]);
    assert.deepEqual(await ids({ order_id: "ob1" }), [b1.id]);
    assert.deepEqual(await ids({ order_id: "ob1", customer_id: "cus-a" }), []);
    assert.deepEqual(await ids({ customer_id: "nobody" }), []);
  });

  test("claimDeliveries() leases due deliveries until they are settled", async (store) => {
    const n = notification("o7", "confirmed");
    const due = Date.parse(n.created_at);
    await record(store, n);
    assert.equal(await store.nextDeliveryAt(), due);
    assert.deepEqual(await store.claimDeliveries(due - 1, due + 1000, 10), []);
    const [claimed] = await store.claimDeliveries(due, due + 1000, 10);
    assert.equal(claimed?.id, n.id);
    // Leased: no other worker sees it until the lease runs out.
    assert.deepEqual(await store.claimDeliveries(due + 999, due + 2000, 10), []);
    assert.equal((await store.claimDeliveries(due + 1000, due + 3000, 10))[0]?.id, n.id);

    await store.settleDelivery(n.id, {
      status: "pending",
      attempts: 1,
      error: "HTTP 500",
      retry_at: due + 5000,
    });
    assert.equal(await store.nextDeliveryAt(), due + 5000);
    assert.deepEqual(await store.claimDeliveries(due + 4999, due + 9000, 10), []);
    assert.equal((await store.claimDeliveries(due + 5000, due + 9000, 10))[0]?.attempts, 1);

    await store.settleDelivery(n.id, { status: "sent", attempts: 2 });
    assert.equal(await store.nextDeliveryAt(), null);
    const sent = await store.notification(n.id);
    assert.deepEqual([sent?.status, sent?.attempts, sent?.last_error], ["sent", 2, null]);
    // A late worker whose lease ran out cannot undo that.
    await store.settleDelivery(n.id, { status: "failed", attempts: 3, error: "late" });
    assert.equal((await store.notification(n.id))?.status, "sent");
    assert.equal(await store.nextDeliveryAt(), null);
  });

  test("settleDelivery() records a delivery given up as failed", async (store) => {
    const n = notification("o8", "rejected");
    await record(store, n);
    await store.settleDelivery(n.id, { status: "failed", attempts: 5, error: "HTTP 503" });
    const failed = await store.notification(n.id);
    assert.deepEqual([failed?.status, failed?.attempts, failed?.last_error], [
      "failed",
      5,
      "HTTP 503",
    ]);
    assert.deepEqual(await store.claimDeliveries(Number.MAX_SAFE_INTEGER, 0, 10), []);
  });
}
