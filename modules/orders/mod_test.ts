import assert from "node:assert/strict";
import { statusesOf } from "../../testing/shop.ts";
import { paymentSucceeded } from "../accounts/events.ts";
import { stockReserved } from "../inventory/events.ts";
import { waitFor } from "../../testing/wait.ts";
import { seen } from "../../testing/modules/orders/fakes.ts";
import { withSystem } from "../../testing/modules/orders/system.ts";

const TWO_LINES = [{ product_id: "p1", quantity: 2 }, { product_id: "p2", quantity: 1 }];

Deno.test("an order in stock and paid for is confirmed with its prices and fee", async () => {
  await withSystem({ settings: { feeBps: 150 } }, async ({ place, world }) => {
    const response = await place(TWO_LINES);
    assert.equal(response.status, 200);
    const order = await response.json();
    assert.equal(order.status, "confirmed");
    assert.deepEqual(order.items, [
      { product_id: "p1", quantity: 2, unit_price: 1_000 },
      { product_id: "p2", quantity: 1, unit_price: 250 },
    ]);
    assert.equal(order.subtotal, 2_250);
    assert.equal(order.fee, 34, "round(2250 × 1.5%) = round(33.75)");
    assert.equal(order.total, 2_284);
    assert.deepEqual(statusesOf(order), ["pending", "reserved", "paid", "confirmed"]);
    assert.equal(world.balances.get("cus_1"), 100_000 - 2_284);
    assert.equal(world.stock.get("p1"), 8);
    const confirmed = await waitFor(() => seen(world, "order.confirmed", order.id)[0]);
    assert.deepEqual(confirmed.data, {
      order_id: order.id,
      customer_id: "cus_1",
      items: order.items,
      subtotal: 2_250,
      fee: 34,
      total: 2_284,
    });
    const all = world.published.filter((e) =>
      (e.data as { order_id: string }).order_id === order.id
    );
    assert.deepEqual(all.map((e) => e.type), [
      "order.placed",
      "order.payment_requested",
      "order.stock_commit_requested",
      "order.confirmed",
    ]);
    assert.equal(new Set(all.map((e) => e.correlation_id)).size, 1, "one conversation per order");
  });
});

Deno.test("an order out of stock is rejected and nothing is charged", async () => {
  await withSystem({}, async ({ place, world }) => {
    const order = await (await place([{ product_id: "p1", quantity: 11 }])).json();
    assert.equal(order.status, "rejected");
    assert.equal(order.reason, "out_of_stock");
    assert.equal(order.total, null);
    assert.deepEqual(seen(world, "order.payment_requested", order.id), []);
    assert.equal(world.balances.get("cus_1"), 100_000);
    await waitFor(() => seen(world, "order.rejected", order.id).length === 1);
  });
});

Deno.test("an order for an unknown product is rejected as unknown_product", async () => {
  await withSystem({}, async ({ place }) => {
    const order = await (await place([{ product_id: "p_gone", quantity: 1 }])).json();
    assert.equal(order.status, "rejected");
    assert.equal(order.reason, "unknown_product");
  });
});

Deno.test("insufficient funds rejects the order and releases its stock", async () => {
  const world = { balances: new Map([["cus_1", 100]]) };
  await withSystem({ world }, async ({ place, world }) => {
    const order = await (await place(TWO_LINES)).json();
    assert.equal(order.status, "rejected");
    assert.equal(order.reason, "insufficient_funds");
    assert.equal(order.total, 2_250, "prices stay as they were fixed");
    await waitFor(() => world.stock.get("p1") === 10 && world.stock.get("p2") === 10);
    assert.equal(world.balances.get("cus_1"), 100);
    assert.deepEqual(seen(world, "order.stock_commit_requested", order.id), []);
  });
});

Deno.test("a step with no answer times out: the pending order is rejected", async () => {
  const options = { settings: { sagaStepTimeoutMs: 150 }, world: { silent: new Set(["placed"]) } };
  await withSystem(options as never, async ({ place, world }) => {
    const response = await place(TWO_LINES, 5);
    assert.equal(response.status, 200);
    const order = await response.json();
    assert.equal(order.status, "rejected");
    assert.equal(order.reason, "timeout");
    await waitFor(() => seen(world, "order.stock_release_requested", order.id).length === 1);
    await waitFor(() => seen(world, "order.rejected", order.id).length === 1);
  });
});

Deno.test("a commit with no answer times out: the paid order is refunded", async () => {
  const options = { settings: { sagaStepTimeoutMs: 150 }, world: { silent: new Set(["commit"]) } };
  await withSystem(options as never, async ({ place, world }) => {
    const order = await (await place(TWO_LINES, 5)).json();
    assert.equal(order.status, "refunded");
    assert.equal(order.reason, "timeout");
    await waitFor(() => world.balances.get("cus_1") === 100_000, { message: "money back" });
    await waitFor(() => world.stock.get("p1") === 10, { message: "stock back" });
    const refunded = await waitFor(() => seen(world, "order.refunded", order.id)[0]);
    assert.equal((refunded.data as { amount: number }).amount, 2_250);
  });
});

Deno.test("cancel before confirmation releases the stock and voids the payment", async () => {
  const options = { world: { silent: new Set(["payment"]) } };
  await withSystem(options as never, async ({ place, get, cancel, world, bus }) => {
    const placed = await (await place(TWO_LINES, 0)).json();
    await waitFor(async () => (await get(placed.id)).status === "reserved");
    const response = await cancel(placed.id);
    assert.equal(response.status, 202);
    assert.equal((await response.json()).status, "cancelled");
    await waitFor(() => world.stock.get("p1") === 10, { message: "stock back" });
    await waitFor(() => seen(world, "order.refund_requested", placed.id).length === 1);
    const cancelled = await waitFor(() => seen(world, "order.cancelled", placed.id)[0]);
    assert.deepEqual(cancelled.data, { order_id: placed.id, customer_id: "cus_1", refund: true });
    // A charge that lands after the cancel is sent straight back.
    const data = { order_id: placed.id, customer_id: "cus_1", amount: 2_250 };
    await bus.publish(paymentSucceeded, data);
    await waitFor(() => seen(world, "order.refund_requested", placed.id).length === 2);
    assert.equal((await get(placed.id)).status, "cancelled");
    assert.equal((await cancel(placed.id)).status, 409);
  });
});

Deno.test("cancel after confirmation refunds the order and returns the stock", async () => {
  await withSystem({}, async ({ place, cancel, world }) => {
    const placed = await (await place(TWO_LINES)).json();
    assert.equal(placed.status, "confirmed");
    const response = await cancel(placed.id);
    assert.equal(response.status, 202);
    const order = await response.json();
    assert.equal(order.status, "refunded");
    assert.equal(order.reason, "cancelled");
    await waitFor(() => world.balances.get("cus_1") === 100_000, { message: "money back" });
    await waitFor(() => world.stock.get("p1") === 10, { message: "stock back" });
    const refunded = await waitFor(() => seen(world, "order.refunded", placed.id)[0]);
    assert.deepEqual(refunded.data, {
      order_id: placed.id,
      customer_id: "cus_1",
      amount: 2_250,
      reason: "cancelled",
    });
    assert.equal((await cancel(placed.id)).status, 409);
  });
});

Deno.test("a product deleted after payment refunds the order as product_unavailable", async () => {
  await withSystem({ world: { loseOnCommit: "p2" } }, async ({ place, world }) => {
    const order = await (await place(TWO_LINES)).json();
    assert.equal(order.status, "refunded");
    assert.equal(order.reason, "product_unavailable");
    await waitFor(() => world.balances.get("cus_1") === 100_000, { message: "money back" });
    await waitFor(() => world.stock.get("p1") === 10, { message: "other line back" });
    await waitFor(() => seen(world, "order.refunded", order.id).length === 1);
  });
});

Deno.test("answers delivered twice move each order once", async () => {
  const stock = new Map([["p1", 100], ["p2", 100]]);
  await withSystem({ world: { duplicate: true, stock } }, async ({ place, world }) => {
    const orders = await Promise.all(
      Array.from({ length: 10 }, async () => await (await place(TWO_LINES)).json()),
    );
    assert.deepEqual(
      orders.map((o) => [o.status, o.reason]),
      orders.map(() => ["confirmed", null]),
    );
    assert.equal(world.balances.get("cus_1"), 100_000 - 10 * 2_250, "each charged once");
    for (const order of orders) {
      await waitFor(() => seen(world, "order.confirmed", order.id).length === 1);
      for (const type of ["order.payment_requested", "order.stock_commit_requested"]) {
        assert.equal(seen(world, type, order.id).length, 1, `${type} once`);
      }
    }
  });
});

Deno.test("a reservation for a cancelled order is released when it lands", async () => {
  const options = { world: { silent: new Set(["placed"]) } };
  await withSystem(options as never, async ({ place, cancel, world, bus }) => {
    const placed = await (await place(TWO_LINES, 0)).json();
    assert.equal((await cancel(placed.id)).status, 202);
    await waitFor(() => seen(world, "order.stock_release_requested", placed.id).length === 1);
    const lines = TWO_LINES.map((line) => ({ ...line, unit_price: 1 }));
    await bus.publish(stockReserved, { order_id: placed.id, lines });
    await waitFor(() => seen(world, "order.stock_release_requested", placed.id).length === 2);
    assert.deepEqual(seen(world, "order.payment_requested", placed.id), []);
  });
});
