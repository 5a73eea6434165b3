import assert from "node:assert/strict";
import { createEnvelope } from "../../bus/envelope.ts";
import type { Envelope } from "../../bus/types.ts";
import { silentLogger } from "../../lib/logger.ts";
import { testSettings } from "../../lib/settings.ts";
import { serviceUrl } from "../../testing/services.ts";
import {
  memoryStoreHarness,
  type OpenedStore,
  redisStoreHarness,
  storeCase,
  type StoreHarness,
} from "../../testing/store_suite.ts";
import { stockReserved } from "../inventory/events.ts";
import { tableHandler } from "../../lib/handlers.ts";
import { ordersHandlers } from "./handlers.ts";
import type { SagaInput } from "./domain/decision.ts";
import { OrderService } from "./service.ts";
import { MemoryOrderStore } from "./store/memory.ts";
import { RedisOrderStore } from "./store/redis.ts";
import type { OrderStore } from "./store/types.ts";

const redisUrl = serviceUrl("REDIS_URL");
const settings = testSettings({ sagaStepTimeoutMs: 1_000 });
const lines = [{ product_id: "p1", quantity: 2, unit_price: 300 }];
const reserved: SagaInput = { kind: "stock_reserved", lines };
const ORDER = { customer_id: "cus_1", items: [{ product_id: "p1", quantity: 2 }] };

async function drainTypes(store: OrderStore): Promise<string[]> {
  const entries = await store.outbox.peek(1_000);
  await store.outbox.remove(entries.map((entry) => entry.key));
  return entries.map((entry) => entry.envelope.type);
}

async function drain(store: OrderStore): Promise<Envelope[]> {
  const entries = await store.outbox.peek(1_000);
  await store.outbox.remove(entries.map((entry) => entry.key));
  return entries.map((entry) => entry.envelope);
}

const harnesses: StoreHarness<OpenedStore<OrderStore>>[] = [
  memoryStoreHarness(() => new MemoryOrderStore()),
  redisStoreHarness(redisUrl, ({ redis, keyPrefix }) => ({
    store: new RedisOrderStore(redis, keyPrefix),
  })),
];

/** Runs `body` with a memory store and, when Redis is configured, a Redis one. */
function storeTest(name: string, body: (store: OrderStore) => Promise<void>): void {
  for (const harness of harnesses) {
    storeCase(harness, `${harness.name}: ${name}`, ({ store }) => body(store));
  }
}

storeTest("one event handled by two processes at once is applied once", async (store) => {
  const one = new OrderService(store, settings, silentLogger);
  const two = new OrderService(store, settings, silentLogger);
  const { order } = await one.place(ORDER);
  await drain(store);
  const results = await Promise.all([
    one.apply(order.id, reserved, null),
    two.apply(order.id, reserved, null),
    one.apply(order.id, reserved, null),
  ]);
  assert.deepEqual(results.map((r) => r.kind).sort(), ["applied", "ignore", "ignore"]);
  assert.deepEqual(await drainTypes(store), ["order.payment_requested"]);
  assert.equal((await store.get(order.id))?.version, 2);
});

storeTest("racing answers are each applied to the state the other left", async (store) => {
  const one = new OrderService(store, settings, silentLogger);
  const two = new OrderService(store, settings, silentLogger);
  const { order } = await one.place(ORDER);
  await drain(store);
  await Promise.all([
    one.apply(order.id, reserved, null),
    two.apply(order.id, { kind: "reservation_lost", product_id: "p1" }, null),
  ]);
  const final = await store.get(order.id);
  assert.equal(final?.status, "rejected");
  assert.equal(final?.reason, "unknown_product");
  // Whichever came first, the stock is released and nothing is left charged.
  const types = await drainTypes(store);
  assert.ok(types.includes("order.stock_release_requested"), types.join());
  assert.equal(types.filter((t) => t === "order.rejected").length, 1);
  if (types.includes("order.payment_requested")) {
    assert.ok(types.includes("order.refund_requested"));
  }
});

storeTest(
  "a process whose remembered version is behind applies to the stored one",
  async (store) => {
    const one = new OrderService(store, settings, silentLogger);
    const two = new OrderService(store, settings, silentLogger);
    // One placed it (and remembers it pending); two takes it on to paid.
    const { order } = await one.place(ORDER);
    assert.equal((await two.apply(order.id, reserved, null)).kind, "applied");
    assert.equal(
      (await two.apply(order.id, { kind: "payment_succeeded", amount: 612 }, null)).kind,
      "applied",
    );
    await drain(store);
    // On one's pending copy a commit means nothing; on the stored paid order it confirms.
    const committed = await one.apply(order.id, { kind: "reservation_committed" }, null);
    assert.equal(committed.kind, "applied");
    assert.equal((await store.get(order.id))?.status, "confirmed");
    // And a duplicate on one's stale copy is not applied twice: the compare-and-set refuses it.
    const again = await one.apply(order.id, reserved, null);
    assert.equal(again.kind, "ignore");
    assert.deepEqual(await drainTypes(store), ["order.confirmed"]);
  },
);

storeTest(
  "a version another process stored is forgotten here, so it cannot pile up",
  async (store) => {
    const one = new OrderService(store, settings, silentLogger);
    const two = new OrderService(store, settings, silentLogger);
    const { order } = await one.place(ORDER);
    await drain(store);
    assert.equal(one.remembered, 1, "the placing process remembers its pending order");
    // Two takes it on to rejected: one never stores a terminal version to forget it by.
    await two.apply(order.id, {
      kind: "reservation_rejected",
      reason: "out_of_stock",
      product_id: "p1",
    }, null);
    assert.equal(two.remembered, 0, "a terminal order is not remembered");
    assert.equal(one.remembered, 1);
    one.othersStored(order.id);
    assert.equal(one.remembered, 0, "the change notice forgets it");
    // And one decides on what is stored: a late reservation leaves the order rejected.
    await one.apply(order.id, reserved, null);
    assert.equal((await store.get(order.id))?.status, "rejected");
    assert.equal(one.remembered, 0);
  },
);

storeTest("sweep() compensates only the orders past their deadline", async (store) => {
  let now = Date.parse("2030-01-01T00:00:00Z");
  const service = new OrderService(store, settings, silentLogger, { now: () => now });
  const early = (await service.place(ORDER)).order;
  now += 500;
  const late = (await service.place(ORDER)).order;
  await drain(store);
  now += 600;
  assert.equal(await service.sweep(), 1);
  assert.equal((await store.get(early.id))?.reason, "timeout");
  assert.equal((await store.get(late.id))?.status, "pending");
  assert.deepEqual(await drainTypes(store), ["order.stock_release_requested", "order.rejected"]);
  assert.equal(await service.sweep(), 0, "a second sweep finds nothing new");
});

Deno.test("events caused by an envelope continue its conversation", async () => {
  const store = new MemoryOrderStore();
  const service = new OrderService(store, settings, silentLogger);
  const { order } = await service.place(ORDER);
  const [placed] = await drain(store);
  const cause = createEnvelope("inventory", stockReserved, { order_id: order.id, lines }, {
    correlationId: placed!.correlation_id,
    causationId: placed!.id,
  }, placed!.traceparent);
  await tableHandler(ordersHandlers, service, silentLogger)(cause, {
    attempt: 1,
    group: "orders",
  });
  const [payment] = await drain(store);
  assert.equal(payment?.type, "order.payment_requested");
  assert.equal(payment?.correlation_id, placed!.correlation_id);
  assert.equal(payment?.causation_id, cause.id);
  assert.equal(payment?.traceparent, placed!.traceparent, "the order's trace goes on");
});

Deno.test("a cancel continues the order's own conversation and trace", async () => {
  const store = new MemoryOrderStore();
  const service = new OrderService(store, settings, silentLogger);
  const { order } = await service.place(ORDER);
  const [placed] = await drain(store);
  await service.cancel(order.id);
  for (const event of await drain(store)) {
    assert.equal(event.correlation_id, placed!.correlation_id);
    assert.equal(event.traceparent, placed!.traceparent);
  }
});

Deno.test("an event for an unknown order is acknowledged and changes nothing", async () => {
  const store = new MemoryOrderStore();
  const service = new OrderService(store, settings, silentLogger);
  const stray = createEnvelope("inventory", stockReserved, { order_id: "ord_elsewhere", lines });
  await tableHandler(ordersHandlers, service, silentLogger)(stray, {
    attempt: 1,
    group: "orders",
  });
  assert.deepEqual(await drain(store), []);
});
