/**
 * Many requests at once: one Idempotency-Key makes one order, 40 orders for
 * 15 units confirm exactly 15, and `Prefer: wait` answers with the outcome.
 */
import assert from "node:assert/strict";
import { type SagaCase, sagaCase } from "./case.ts";

export const CONCURRENCY_CASES: SagaCase[] = [
  sagaCase(
    "the same Idempotency-Key twice makes one order and one charge",
    async (shop, system) => {
      const { product, buyer } = await shop.stocked(10, 300, 5_000);
      const key = crypto.randomUUID();
      const items = [{ product_id: product, quantity: 1 }];
      const [first, second] = await Promise.all([
        shop.place(buyer, items, { "idempotency-key": key }),
        shop.place(buyer, items, { "idempotency-key": key }),
      ]);
      assert.ok([200, 202].includes(first.status) && [200, 202].includes(second.status));
      assert.equal(first.body.id, second.body.id);
      const order = await shop.settled(first.body.id);
      const third = await shop.place(buyer, items, { "idempotency-key": key });
      assert.equal(third.body.id, order.id);
      const different = await shop.place(buyer, [{ product_id: product, quantity: 2 }], {
        "idempotency-key": key,
      });
      assert.equal(different.status, 409);
      const listed = await system.call("GET", `/orders?customer_id=${buyer.id}`, {
        token: buyer.token,
      });
      assert.equal(listed.body.items.length, 1);
      const { ledger } = await shop.account(buyer);
      assert.equal(ledger.filter((e) => e.type === "charge").length, 1);
    },
  ),
  sagaCase(
    "40 concurrent orders for 15 units: 15 confirmed, 25 out of stock, nothing left held",
    async (shop) => {
      const product = await shop.product(15, 100);
      const buyers = await Promise.all(Array.from({ length: 8 }, () => shop.customer(100_000)));
      const placed = await Promise.all(
        Array.from(
          { length: 40 },
          (_, i) => shop.place(buyers[i % buyers.length]!, [{ product_id: product, quantity: 1 }]),
        ),
      );
      for (const reply of placed) assert.equal(reply.status, 202, JSON.stringify(reply.body));
      const orders = await Promise.all(placed.map((reply) => shop.settled(reply.body.id)));
      const confirmed = orders.filter((o) => o.status === "confirmed");
      const rejected = orders.filter((o) => o.status === "rejected");
      assert.equal(confirmed.length, 15);
      assert.equal(rejected.length, 25);
      assert.ok(rejected.every((o) => o.reason === "out_of_stock"));
      const state = await shop.productState(product);
      assert.equal(state.stock, 0);
      assert.equal(state.reserved, 0);
    },
  ),
  sagaCase("Prefer: wait answers 200 with the terminal order", async (shop) => {
    const { product, buyer } = await shop.stocked(3, 100, 1_000);
    const reply = await shop.place(buyer, [{ product_id: product, quantity: 1 }], {
      prefer: "wait=10",
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.status, "confirmed");
  }),
];
