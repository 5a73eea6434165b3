import assert from "node:assert/strict";
import { testOrder } from "../../../testing/modules/orders/test_order.ts";
import type { Order } from "../domain/order.ts";
import { decodeOrder, encodeOrder } from "./redis_codec.ts";

const T0 = Date.parse("2030-01-01T00:00:00.000Z");

function paid(created_at: string, at: string): Order {
  const order = testOrder("ord_1", "cus_1", T0, 2);
  return {
    ...order,
    created_at,
    updated_at: at,
    status: "paid",
    reason: null,
    items: [{ product_id: "p1", quantity: 2, unit_price: 125 }],
    subtotal: 250,
    fee: 3,
    total: 253,
    history: [{ status: "pending", at: created_at }, { status: "paid", at }],
    deadline: T0 + 30_000,
    version: 3,
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  };
}

Deno.test("encodeOrder() round-trips an order, its later times as ms since its creation", () => {
  const order = paid("2030-01-01T00:00:00.000Z", "2030-01-01T00:00:01.250Z");
  const stored = encodeOrder(order);
  assert.match(stored, /^3 paid \[/);
  assert.ok(stored.includes(`,${T0},1250,30000,`), stored);
  assert.deepEqual(decodeOrder("ord_1", stored), order);
});

Deno.test("encodeOrder() keeps a time that epoch ms would not give back as its text", () => {
  const order = paid("2030-01-01T00:00:00Z", "2030-01-01T00:00:01.250Z");
  const stored = encodeOrder(order);
  assert.ok(stored.includes('"2030-01-01T00:00:00Z"'), stored);
  assert.deepEqual(decodeOrder("ord_1", stored), order);
});

Deno.test("decodeOrder() refuses what is not in the store's format", () => {
  assert.throws(() => decodeOrder("ord_1", "not an order"), /ord_1/);
});
