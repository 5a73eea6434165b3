/**
 * Store conformance: reservations through the saga (reserve, commit,
 * release, return, loss), their idempotency and the stock invariant.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createEnvelope } from "../../../bus/envelope.ts";
import { orderPlaced } from "../../../modules/orders/events.ts";
import type { Product } from "../../../modules/inventory/domain/product.ts";
import type { InventoryStore } from "../../../modules/inventory/store/types.ts";
import {
  assertStockInvariant,
  ledgerOf,
  type NamedCase,
  product,
  takeSagaEventData,
  takeSagaEvents,
} from "./store_conformance_helpers.ts";

const line = (product_id: string, quantity: number) => ({ product_id, quantity });

/**
 * Releases o1 twice: both answer `state` and announce it, and all of `a`'s five
 * units are on the shelf again.
 */
async function releasesOnce(store: InventoryStore, a: Product, state: "released" | "returned") {
  const returned = state === "returned";
  for (let i = 0; i < 2; i++) assert.equal((await store.release("o1")).state, state);
  const announced = { type: "inventory.stock_released", data: { order_id: "o1", returned } };
  assert.deepEqual(await takeSagaEventData(store), [announced, announced]);
  assert.deepEqual(await ledgerOf(store, a), { received: 5, stock: 5, reserved: 0, sold: 0 });
}

export const reservationCases: NamedCase[] = [
  [
    "reserve() holds every line at the current price, summing repeated products",
    async ({ store }) => {
      const a = await store.createProduct(product({ price: 300, stock: 5 }));
      const b = await store.createProduct(product({ price: 70, stock: 2 }));
      const held = await store.reserve("o1", [line(a.id, 1), line(b.id, 2), line(a.id, 2)]);
      assert.equal(held.state, "held");
      assert.deepEqual(held.lines, [
        { product_id: a.id, quantity: 3, unit_price: 300 },
        { product_id: b.id, quantity: 2, unit_price: 70 },
      ]);
      assert.deepEqual(await takeSagaEventData(store), [{
        type: "inventory.stock_reserved",
        data: { order_id: "o1", lines: held.lines },
      }]);
      assert.deepEqual(await ledgerOf(store, a), { received: 5, stock: 2, reserved: 3, sold: 0 });
      assert.deepEqual(await ledgerOf(store, b), { received: 2, stock: 0, reserved: 2, sold: 0 });
      await store.updateProduct(a.id, { price: 999 });
      assert.equal((await store.getReservation("o1"))?.lines[0]?.unit_price, 300, "price fixed");
      await assertStockInvariant(store, a, b);
    },
  ],

  ["reserve() with one short line holds nothing and names that line", async ({ store }) => {
    const a = await store.createProduct(product({ stock: 5 }));
    const b = await store.createProduct(product({ stock: 1 }));
    const rejected = await store.reserve("o1", [line(a.id, 2), line(b.id, 2)]);
    assert.equal(rejected.state, "rejected");
    assert.deepEqual(await takeSagaEventData(store), [{
      type: "inventory.reservation_rejected",
      data: { order_id: "o1", reason: "out_of_stock", product_id: b.id },
    }]);
    assert.deepEqual(await ledgerOf(store, a), { received: 5, stock: 5, reserved: 0, sold: 0 });
    assert.deepEqual(await ledgerOf(store, b), { received: 1, stock: 1, reserved: 0, sold: 0 });
  }],

  ["reserve() names an unknown product before any short line", async ({ store }) => {
    const a = await store.createProduct(product({ stock: 1 }));
    await store.reserve("o1", [line(a.id, 5), line("p_nope", 1)]);
    assert.deepEqual(await takeSagaEventData(store), [{
      type: "inventory.reservation_rejected",
      data: { order_id: "o1", reason: "unknown_product", product_id: "p_nope" },
    }]);
    assert.equal((await ledgerOf(store, a)).reserved, 0);
  }],

  ["reserve() refuses summed lines past the most one line may carry", async ({ store }) => {
    const a = await store.createProduct(product({ stock: 3_000_000 }));
    await store.reserve("o1", [line(a.id, 1_000_000), line(a.id, 1)]);
    assert.deepEqual(await takeSagaEventData(store), [{
      type: "inventory.reservation_rejected",
      data: { order_id: "o1", reason: "out_of_stock", product_id: a.id },
    }]);
    assert.equal((await ledgerOf(store, a)).stock, 3_000_000);
  }],

  ["reserve() never oversells: 40 concurrent orders for 15 units", async ({ store, peer }) => {
    const a = await store.createProduct(product({ stock: 15 }));
    const handles = peer ? [store, await peer(), await peer(), await peer()] : [store];
    const outcomes = await Promise.all(
      Array.from(
        { length: 40 },
        (_, i) => handles[i % handles.length]!.reserve(`o${i}`, [line(a.id, 1)]),
      ),
    );
    assert.equal(outcomes.filter((r) => r.state === "held").length, 15);
    assert.equal(outcomes.filter((r) => r.state === "rejected").length, 25);
    assert.deepEqual(await ledgerOf(store, a), { received: 15, stock: 0, reserved: 15, sold: 0 });
    const events = await takeSagaEventData(store);
    assert.equal(events.filter((e) => e.type === "inventory.stock_reserved").length, 15);
    const rejections = events.filter((e) => e.type === "inventory.reservation_rejected");
    assert.equal(rejections.length, 25);
    for (const r of rejections) assert.equal((r.data as { reason: string }).reason, "out_of_stock");
  }],

  [
    "reserve() again for the same order answers the same and never holds twice",
    async ({ store }) => {
      const a = await store.createProduct(product({ stock: 5 }));
      await store.reserve("o1", [line(a.id, 2)]);
      await store.reserve("o1", [line(a.id, 2)]);
      const events = await takeSagaEventData(store);
      assert.deepEqual(events[0], events[1]);
      assert.equal((await ledgerOf(store, a)).reserved, 2);
      await store.reserve("o2", [line(a.id, 9)]);
      await store.restock(a.id, 10);
      // Restocked since: a redelivered order.placed must still not hold anything.
      assert.equal((await store.reserve("o2", [line(a.id, 9)])).state, "rejected");
      assert.equal((await ledgerOf(store, a)).reserved, 2);
      const [first, second] = await takeSagaEventData(store);
      assert.equal(first?.type, "inventory.reservation_rejected");
      assert.deepEqual(first, second);
      await store.commit("o1");
      await takeSagaEvents(store);
      assert.equal((await store.reserve("o1", [line(a.id, 2)])).state, "committed");
      assert.deepEqual(await takeSagaEventData(store), [], "nothing once the saga moved on");
      await assertStockInvariant(store, a);
    },
  ],

  ["commit() sells held stock once, however often it is asked", async ({ store }) => {
    const a = await store.createProduct(product({ stock: 5 }));
    await store.reserve("o1", [line(a.id, 2)]);
    await takeSagaEvents(store);
    assert.equal((await store.commit("o1"))?.state, "committed");
    assert.equal((await store.commit("o1"))?.state, "committed");
    assert.deepEqual(await takeSagaEventData(store), [
      { type: "inventory.reservation_committed", data: { order_id: "o1" } },
      { type: "inventory.reservation_committed", data: { order_id: "o1" } },
    ]);
    assert.deepEqual(await ledgerOf(store, a), { received: 5, stock: 3, reserved: 0, sold: 2 });
    await assertStockInvariant(store, a);
  }],

  ["commit() fails for an order with nothing held", async ({ store }) => {
    const a = await store.createProduct(product({ stock: 5 }));
    assert.equal(await store.commit("o-none"), null);
    await store.reserve("o-rel", [line(a.id, 1)]);
    await store.release("o-rel");
    await store.reserve("o-rej", [line(a.id, 50)]);
    await takeSagaEvents(store);
    await store.commit("o-none");
    await store.commit("o-rel");
    await store.commit("o-rej");
    const failed = (order_id: string, reason: string) => ({
      type: "inventory.reservation_commit_failed",
      data: { order_id, reason },
    });
    assert.deepEqual(await takeSagaEventData(store), [
      failed("o-none", "reservation_lost"),
      failed("o-rel", "reservation_released"),
      failed("o-rej", "reservation_released"),
    ]);
    assert.equal(await store.getReservation("o-none"), null, "a failed commit writes nothing");
    assert.deepEqual(await ledgerOf(store, a), { received: 5, stock: 5, reserved: 0, sold: 0 });
  }],

  ["release() puts held stock back once", async ({ store }) => {
    const a = await store.createProduct(product({ stock: 5 }));
    await store.reserve("o1", [line(a.id, 4)]);
    await takeSagaEvents(store);
    await releasesOnce(store, a, "released");
  }],

  ["release() returns sold stock once", async ({ store }) => {
    const a = await store.createProduct(product({ stock: 5 }));
    await store.reserve("o1", [line(a.id, 4)]);
    await store.commit("o1");
    await takeSagaEvents(store);
    await releasesOnce(store, a, "returned");
    await store.commit("o1");
    assert.deepEqual((await takeSagaEventData(store))[0]?.data, {
      order_id: "o1",
      reason: "reservation_released",
    });
  }],

  ["release() before the reservation leaves a tombstone that refuses it", async ({ store }) => {
    const a = await store.createProduct(product({ stock: 5 }));
    assert.equal((await store.release("o1")).state, "released");
    assert.equal((await store.reserve("o1", [line(a.id, 1)])).state, "released");
    assert.deepEqual(await takeSagaEventData(store), [
      { type: "inventory.stock_released", data: { order_id: "o1", returned: false } },
    ]);
    assert.deepEqual(await ledgerOf(store, a), { received: 5, stock: 5, reserved: 0, sold: 0 });
  }],

  ["deleteProduct() loses held reservations, releasing their other lines", async ({ store }) => {
    const gone = await store.createProduct(product({ stock: 5 }));
    const kept = await store.createProduct(product({ stock: 5 }));
    await store.reserve("o-held", [line(gone.id, 1), line(kept.id, 2)]);
    await store.reserve("o-sold", [line(gone.id, 1), line(kept.id, 1)]);
    await store.commit("o-sold");
    await store.reserve("o-other", [line(kept.id, 1)]);
    await takeSagaEvents(store);
    assert.deepEqual(await store.deleteProduct(gone.id), { lost: ["o-held"] });
    assert.deepEqual(await takeSagaEventData(store), [
      { type: "inventory.reservation_lost", data: { order_id: "o-held", product_id: gone.id } },
      { type: "inventory.product_deleted", data: { product_id: gone.id } },
    ]);
    assert.equal((await store.getReservation("o-held"))?.state, "lost");
    assert.equal((await store.getReservation("o-sold"))?.state, "committed");
    assert.deepEqual(await ledgerOf(store, kept), { received: 5, stock: 3, reserved: 1, sold: 1 });
    await store.commit("o-held");
    await store.release("o-held");
    assert.deepEqual(await takeSagaEventData(store), [
      {
        type: "inventory.reservation_commit_failed",
        data: { order_id: "o-held", reason: "reservation_lost" },
      },
      { type: "inventory.stock_released", data: { order_id: "o-held", returned: false } },
    ]);
    assert.equal((await store.release("o-sold")).state, "returned");
    assert.deepEqual(await ledgerOf(store, kept), { received: 5, stock: 4, reserved: 1, sold: 0 });
    await store.release("o-other");
    assert.deepEqual(await ledgerOf(store, kept), { received: 5, stock: 5, reserved: 0, sold: 0 });
    await assertStockInvariant(store, kept);
  }],

  [
    "events carry the correlation and causation of the envelope that caused them",
    async ({ store }) => {
      const a = await store.createProduct(product());
      const cause = createEnvelope(
        "orders",
        orderPlaced,
        {
          order_id: "o1",
          customer_id: "c1",
          items: [line(a.id, 1)],
        },
        { correlationId: "corr-1" },
        "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01",
      );
      await store.reserve("o1", [line(a.id, 1)], cause);
      await store.release("o1", cause);
      const events = await takeSagaEvents(store);
      assert.equal(events.length, 2);
      for (const event of events) {
        assert.equal(event.source, "inventory");
        assert.equal(event.correlation_id, "corr-1");
        assert.equal(event.causation_id, cause.id);
        assert.equal(event.traceparent, cause.traceparent);
        assert.ok(!Number.isNaN(Date.parse(event.time)));
      }
      assert.notEqual(events[0]!.id, events[1]!.id);
    },
  ],

  ["a long mixed run keeps the stock invariant for every product", async ({ store }) => {
    const products: Product[] = [];
    for (let i = 0; i < 4; i++) products.push(await store.createProduct(product({ stock: 6 })));
    const pick = (n: number) => products[n % products.length]!.id;
    for (let n = 0; n < 60; n++) {
      const order = `o${n % 17}`;
      const step = (n * 7) % 5;
      if (step === 0) {
        await store.reserve(order, [line(pick(n), 1 + (n % 3)), line(pick(n + 1), 1)]);
      }
      if (step === 1) await store.commit(order);
      if (step === 2) await store.release(order);
      if (step === 3) await store.restock(pick(n), 2);
      if (step === 4) await store.reserve(order, [line(pick(n + 2), 2)]);
      await assertStockInvariant(store, ...products);
    }
  }],
];
