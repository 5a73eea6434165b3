/**
 * Order store conformance, continued: listings of one status (the console's
 * "orders by status") and the per-status counts behind GET /orders/stats.
 * `runOrderStoreConformance` runs these with its own cases.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Order, OrderStatus } from "../../../modules/orders/domain/order.ts";
import { positionOf } from "../../../modules/orders/domain/position.ts";
import type { OrderStore } from "../../../modules/orders/store/types.ts";
import { testOrder } from "./test_order.ts";

type Test = (name: string, fn: (store: OrderStore) => Promise<void>) => void;

const T0 = Date.parse("2031-01-01T00:00:00.000Z");

function anOrder(customerId: string, at: number): Order {
  const id = `ord_s${at - T0}_${crypto.randomUUID().slice(0, 8)}`;
  return testOrder(id, customerId, at, 1);
}

/** Writes the order's next status as the saga would (one compare-and-set). */
async function move(store: OrderStore, order: Order, status: OrderStatus): Promise<Order> {
  const next: Order = {
    ...order,
    status,
    deadline: status === "confirmed" || status === "rejected" ? null : order.deadline,
    history: [...order.history, { status, at: order.created_at }],
  };
  const written = await store.update(next, order.version, []);
  assert.ok(written, `moved ${order.id} to ${status}`);
  return written;
}

export function statusCases(test: Test): void {
  test("listRecent() and listByCustomer() with a status list only its orders", async (store) => {
    const made: Order[] = [];
    for (let i = 0; i < 6; i++) {
      const order = anOrder(i % 2 === 0 ? "cus_even" : "cus_odd", T0 + i);
      await store.create(order, []);
      made.push(order);
    }
    // 0, 2, 4 confirmed; 1 rejected; 3 and 5 stay pending.
    for (const i of [0, 2, 4]) {
      await move(store, await move(store, made[i]!, "reserved"), "confirmed");
    }
    await move(store, made[1]!, "rejected");
    const ids = (orders: Order[]) => orders.map((order) => order.id);
    const id = (i: number) => made[i]!.id;
    assert.deepEqual(ids(await store.listRecent(10, null, "confirmed")), [id(4), id(2), id(0)]);
    assert.deepEqual(ids(await store.listRecent(10, null, "pending")), [id(5), id(3)]);
    assert.deepEqual(ids(await store.listRecent(10, null, "rejected")), [id(1)]);
    assert.deepEqual(await store.listRecent(10, null, "reserved"), [], "left behind");
    const first = await store.listRecent(2, null, "confirmed");
    assert.deepEqual(ids(first), [id(4), id(2)]);
    const rest = await store.listRecent(2, positionOf(first[1]!), "confirmed");
    assert.deepEqual(ids(rest), [id(0)]);
    assert.deepEqual(ids(await store.listByCustomer("cus_even", 10, null, "confirmed")), [
      id(4),
      id(2),
      id(0),
    ]);
    assert.deepEqual(ids(await store.listByCustomer("cus_odd", 10, null, "pending")), [
      id(5),
      id(3),
    ]);
    assert.deepEqual(ids(await store.listByCustomer("cus_odd", 1, null, "pending")), [id(5)]);
    assert.deepEqual(
      ids(await store.listByCustomer("cus_odd", 10, positionOf(made[5]!), "pending")),
      [id(3)],
    );
    assert.deepEqual(await store.listByCustomer("cus_odd", 10, null, "confirmed"), []);
    assert.deepEqual((await store.listRecent(10, null, "confirmed"))[0]?.status, "confirmed");
    assert.deepEqual(await store.countByStatus(), {
      pending: 2,
      reserved: 0,
      paid: 0,
      confirmed: 3,
      rejected: 1,
      cancelled: 0,
      refunded: 0,
    });
  });

  test("a customer's orders of one status are found past many of another", async (store) => {
    const made: Order[] = [];
    for (let i = 0; i < 130; i++) {
      const order = anOrder("cus_many", T0 + i);
      await store.create(order, []);
      made.push(order);
    }
    const oldest = await move(store, made[0]!, "rejected");
    assert.deepEqual(
      (await store.listByCustomer("cus_many", 5, null, "rejected")).map((order) => order.id),
      [oldest.id],
    );
    assert.equal((await store.listByCustomer("cus_many", 200, null, "pending")).length, 129);
  });
}
