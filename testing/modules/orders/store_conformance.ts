/**
 * The one suite every order store runs (memory and Redis must behave alike):
 * each store's test file calls `runOrderStoreConformance` with a harness.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createEnvelope } from "../../../bus/envelope.ts";
import type { Envelope } from "../../../bus/types.ts";
import { orderPlaced, stockReleaseRequested } from "../../../modules/orders/events.ts";
import type { Order, OrderStatus } from "../../../modules/orders/domain/order.ts";
import { testOrder } from "./test_order.ts";
import { type OpenedStore, storeCase, type StoreHarness } from "../../store_suite.ts";
import { type OrderPosition, positionOf } from "../../../modules/orders/domain/position.ts";
import type { OrderStore } from "../../../modules/orders/store/types.ts";
import { statusCases } from "./store_conformance_status.ts";

export type OrderStoreHarness = StoreHarness<OpenedStore<OrderStore>>;

const T0 = Date.parse("2030-01-01T00:00:00.000Z");
let sequence = 0;

function anOrder(customerId = "cus_1", at = T0, stepTimeoutMs = 1_000): Order {
  const id = `ord_${++sequence}_${crypto.randomUUID().slice(0, 8)}`;
  return testOrder(id, customerId, at, 2, stepTimeoutMs);
}

function placed(order: Order): Envelope {
  return createEnvelope("orders", orderPlaced, {
    order_id: order.id,
    customer_id: order.customer_id,
    items: [{ product_id: "p1", quantity: 2 }],
  });
}

function moved(order: Order, status: OrderStatus, deadline: number | null): Order {
  return {
    ...order,
    status,
    deadline,
    history: [...order.history, { status, at: order.created_at }],
  };
}

async function drain(store: OrderStore): Promise<Envelope[]> {
  const entries = await store.outbox.peek(1_000);
  await store.outbox.remove(entries.map((entry) => entry.key));
  return entries.map((entry) => entry.envelope);
}

/** Newest first, equal times by id descending: the order every listing keeps. */
function newestFirst(orders: Order[]): string[] {
  return orders.map((order) => [Date.parse(order.created_at), order.id] as const)
    .sort(([x, a], [y, b]) => y - x || (a < b ? 1 : a > b ? -1 : 0))
    .map(([, id]) => id);
}

/**
 * Every id a listing yields, read `size` at a time from the end of each page
 * on (until a short page), calling `between` after every page.
 */
async function pageThrough(
  list: (size: number, after: OrderPosition | null) => Promise<Order[]>,
  size: number,
  between: (page: number) => Promise<void> = () => Promise.resolve(),
): Promise<{ ids: string[]; pages: number[] }> {
  const ids: string[] = [];
  const pages: number[] = [];
  let after: OrderPosition | null = null;
  while (true) {
    const page = await list(size, after);
    ids.push(...page.map((order) => order.id));
    pages.push(page.length);
    if (page.length < size) return { ids, pages };
    after = positionOf(page[page.length - 1]!);
    await between(pages.length);
  }
}

/** `count` orders of `customerId`, several to a millisecond so paging must break ties. */
async function placeMany(store: OrderStore, customerId: string, count: number): Promise<Order[]> {
  const orders = Array.from(
    { length: count },
    (_, i) => anOrder(customerId, T0 + Math.floor(i / 3)),
  );
  for (let i = 0; i < orders.length; i += 50) {
    await Promise.all(orders.slice(i, i + 50).map((order) => store.create(order, [])));
  }
  return orders;
}

export function runOrderStoreConformance(harness: OrderStoreHarness): void {
  const test = (name: string, fn: (store: OrderStore) => Promise<void>) =>
    storeCase(harness, `${harness.name} order store: ${name}`, ({ store }) => fn(store));

  test("create() stores the order with its events; get() reads it back", async (store) => {
    const order = anOrder();
    const event = placed(order);
    const result = await store.create(order, [event]);
    assert.deepEqual(result, { created: true, order });
    assert.deepEqual(await store.get(order.id), order);
    assert.equal(await store.get("ord_nobody"), null);
    assert.deepEqual(await drain(store), [event]);
    assert.deepEqual(await drain(store), [], "removed entries are gone");
  });

  test("update() writes the next version with its events", async (store) => {
    const order = anOrder();
    await store.create(order, []);
    const release = createEnvelope("orders", stockReleaseRequested, { order_id: order.id });
    const next = moved(order, "rejected", null);
    const written = await store.update(next, 1, [release]);
    assert.deepEqual(written, { ...next, version: 2 });
    assert.deepEqual(await store.get(order.id), { ...next, version: 2 });
    assert.deepEqual(await drain(store), [release]);
  });

  test("update() refuses a stale version and writes nothing", async (store) => {
    const order = anOrder();
    await store.create(order, []);
    assert.ok(await store.update(moved(order, "reserved", T0 + 5), 1, []));
    const stale = createEnvelope("orders", stockReleaseRequested, { order_id: order.id });
    assert.equal(await store.update(moved(order, "rejected", null), 1, [stale]), null);
    assert.equal((await store.get(order.id))?.status, "reserved");
    assert.deepEqual(await drain(store), [], "a refused update emits nothing");
    assert.equal(await store.update(anOrder(), 1, []), null, "an unknown order is not created");
  });

  test("of two concurrent updates from one version, exactly one wins", async (store) => {
    const order = anOrder();
    await store.create(order, []);
    const results = await Promise.all(
      (["rejected", "reserved", "cancelled", "paid"] as const).map((status) =>
        store.update(moved(order, status, null), 1, [
          createEnvelope("orders", stockReleaseRequested, { order_id: order.id }),
        ])
      ),
    );
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal((await drain(store)).length, 1);
  });

  test("an Idempotency-Key taken before returns the earlier order and stores nothing", async (store) => {
    const first = anOrder("cus_k");
    const claim = { customerId: "cus_k", key: "key:1/é", fingerprint: "f1" };
    assert.equal((await store.create(first, [placed(first)], claim)).created, true);
    const second = anOrder("cus_k");
    const again = await store.create(second, [placed(second)], { ...claim, fingerprint: "f2" });
    assert.deepEqual(again, { created: false, order: first, fingerprint: "f1" });
    assert.equal(await store.get(second.id), null);
    assert.equal((await store.listByCustomer("cus_k", 10)).length, 1);
    assert.equal((await drain(store)).length, 1, "only the first order's event");
    const other = anOrder("cus_other");
    const elsewhere = await store.create(other, [], { ...claim, customerId: "cus_other" });
    assert.equal(elsewhere.created, true, "keys are scoped per customer");
  });

  test("concurrent creates with one Idempotency-Key make one order", async (store) => {
    const claim = { customerId: "cus_race", key: "same", fingerprint: "f" };
    const orders = Array.from({ length: 8 }, () => anOrder("cus_race"));
    const results = await Promise.all(orders.map((o) => store.create(o, [placed(o)], claim)));
    const created = results.filter((result) => result.created);
    assert.equal(created.length, 1);
    const winner = created[0]!.order.id;
    assert.ok(results.every((result) => result.order.id === winner));
    assert.equal((await store.listByCustomer("cus_race", 10)).length, 1);
    assert.equal((await drain(store)).length, 1);
  });

  test("listByCustomer() and listRecent() return newest first, up to the limit", async (store) => {
    const a1 = anOrder("cus_a", T0);
    const b1 = anOrder("cus_b", T0 + 1_000);
    const a2 = anOrder("cus_a", T0 + 2_000);
    const a3 = anOrder("cus_a", T0 + 3_000);
    for (const order of [a2, a1, a3, b1]) await store.create(order, []);
    const ids = (orders: Order[]) => orders.map((order) => order.id);
    assert.deepEqual(ids(await store.listByCustomer("cus_a", 10)), [a3.id, a2.id, a1.id]);
    assert.deepEqual(ids(await store.listByCustomer("cus_a", 2)), [a3.id, a2.id]);
    assert.deepEqual(ids(await store.listByCustomer("cus_b", 10)), [b1.id]);
    assert.deepEqual(await store.listByCustomer("cus_nobody", 10), []);
    assert.deepEqual(ids(await store.listRecent(3)), [a3.id, a2.id, b1.id]);
  });

  test("listByCustomer() pages through 250 orders, each once, newest first", async (store) => {
    const orders = await placeMany(store, "cus_p", 250);
    await placeMany(store, "cus_other", 20);
    const { ids, pages } = await pageThrough(
      (size, after) => store.listByCustomer("cus_p", size, after),
      100,
    );
    assert.deepEqual(pages, [100, 100, 50]);
    assert.deepEqual(ids, newestFirst(orders));
  });

  test("listByCustomer() pages stay stable while new orders are placed", async (store) => {
    const orders = await placeMany(store, "cus_p", 250);
    let later = T0 + 60_000;
    const { ids, pages } = await pageThrough(
      (size, after) => store.listByCustomer("cus_p", size, after),
      100,
      async () => {
        for (let i = 0; i < 30; i++) await store.create(anOrder("cus_p", later++), []);
        await store.create(anOrder("cus_other", later++), []);
      },
    );
    assert.deepEqual(pages, [100, 100, 50]);
    assert.deepEqual(ids, newestFirst(orders), "each once, in order; the newer ones lead page one");
    assert.equal((await store.listByCustomer("cus_p", 1_000)).length, 250 + 60);
  });

  test("listRecent() pages through every customer's orders the same way", async (store) => {
    const orders = [
      ...await placeMany(store, "cus_a", 20),
      ...await placeMany(store, "cus_b", 17),
    ];
    let later = T0 + 60_000;
    const { ids, pages } = await pageThrough(
      (size, after) => store.listRecent(size, after),
      10,
      () => store.create(anOrder("cus_c", later++), []).then(() => {}),
    );
    assert.deepEqual(pages, [10, 10, 10, 7]);
    assert.deepEqual(ids, newestFirst(orders));
  });

  test("a position between stored orders pages on from where it falls", async (store) => {
    const orders = await placeMany(store, "cus_p", 9);
    const expected = newestFirst(orders);
    const listed = async (after: OrderPosition) =>
      (await store.listByCustomer("cus_p", 100, after)).map((order) => order.id);
    // The ids are "ord_<n>_…": "ord_~" sorts above them all, "ord_" below.
    assert.deepEqual(await listed({ created: T0 + 1, id: "ord_~" }), expected.slice(3));
    assert.deepEqual(await listed({ created: T0 + 1, id: "ord_" }), expected.slice(6));
    assert.deepEqual(await listed({ created: T0 + 1, id: expected[4]! }), expected.slice(5));
    assert.deepEqual(await listed({ created: T0 - 1, id: "ord_~" }), []);
    assert.equal((await store.listRecent(100, { created: T0 + 1, id: "ord_" })).length, 3);
  });

  test("overdue() lists in-flight orders past their deadline, earliest first", async (store) => {
    const late = anOrder("cus_d", T0, 100);
    const later = anOrder("cus_d", T0, 200);
    const future = anOrder("cus_d", T0, 10_000);
    const done = anOrder("cus_d", T0, 50);
    for (const order of [later, future, late, done]) await store.create(order, []);
    assert.ok(await store.update(moved(done, "rejected", null), 1, []));
    assert.deepEqual(await store.overdue(T0 + 500, 10), [late.id, later.id]);
    assert.deepEqual(await store.overdue(T0 + 500, 1), [late.id]);
    assert.deepEqual(await store.overdue(T0 + 99, 10), []);
    assert.ok(await store.update(moved(late, "reserved", T0 + 5_000), 1, []));
    assert.deepEqual(await store.overdue(T0 + 500, 10), [later.id], "a new deadline moves it");
  });

  test("countByStatus() follows creates and transitions", async (store) => {
    const one = anOrder();
    const two = anOrder();
    await store.create(one, []);
    await store.create(two, []);
    assert.ok(await store.update(moved(one, "reserved", T0 + 1), 1, []));
    assert.ok(await store.update(moved(two, "pending", T0 + 1), 1, []), "same status, new data");
    const counts = await store.countByStatus();
    assert.equal(counts.pending, 1);
    assert.equal(counts.reserved, 1);
    assert.equal(counts.confirmed, 0);
  });

  test("ping() answers", async (store) => {
    await store.ping();
  });

  statusCases(test);
}

/** The TTL the stores of `runIdempotencyExpiryConformance` must be made with. */
export const SHORT_IDEMPOTENCY_TTL_MS = 300;

/**
 * Idempotency keys expire (IDEMPOTENCY_TTL_S): run on a harness whose stores
 * were made with SHORT_IDEMPOTENCY_TTL_MS.
 */
export function runIdempotencyExpiryConformance(harness: OrderStoreHarness): void {
  storeCase(
    harness,
    `${harness.name} order store: an Idempotency-Key names its order only until its TTL`,
    async ({ store }) => {
      const claim = { customerId: "cus_ttl", key: "once", fingerprint: "f1" };
      const first = anOrder("cus_ttl");
      assert.equal((await store.create(first, [placed(first)], claim)).created, true);
      const early = anOrder("cus_ttl");
      assert.equal((await store.create(early, [], claim)).created, false, "within the TTL");
      await new Promise((resolve) => setTimeout(resolve, SHORT_IDEMPOTENCY_TTL_MS + 200));
      const late = anOrder("cus_ttl");
      const after = await store.create(late, [placed(late)], { ...claim, fingerprint: "f2" });
      assert.equal(after.created, true, "past the TTL the key is free again");
      assert.equal((await store.listByCustomer("cus_ttl", 10)).length, 2);
    },
  );
}
