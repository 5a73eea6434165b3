/**
 * Cancelling, and a product deleted under a paid order: at every step the
 * saga may be in, the stock comes back and the money too.
 */
import assert from "node:assert/strict";
import { waitFor } from "../../testing/wait.ts";
import { type SagaCase, sagaCase } from "./case.ts";

export const CANCELLATION_CASES: SagaCase[] = [
  sagaCase(
    "cancel before confirmation releases the stock and refunds what was taken",
    async (shop, system) => {
      const { product, buyer } = await shop.stocked(10, 500, 5_000);
      const placed = await shop.place(buyer, [{ product_id: product, quantity: 2 }]);
      assert.equal(placed.status, 202);
      const cancel = await system.call("POST", `/orders/${placed.body.id}/cancel`, {
        token: buyer.token,
      });
      assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
      const order = await shop.settled(placed.body.id);
      assert.equal(order.status, cancel.body.status);
      await shop.assertInvariants();
      // Cancelled or (cancelled after confirmation) refunded, the stock comes back and the money
      // too, but by events: across processes they may land after the order turned terminal.
      // Both at once: stock at 10 alone is also the moment before a late reservation lands.
      await waitFor(async () => {
        const { stock, reserved } = await shop.productState(product);
        return stock === 10 && reserved === 0;
      }, { message: "the stock released" });
      await waitFor(async () => (await shop.account(buyer)).balance === 5_000, {
        message: "the payment refunded",
      });
      const again = await system.call("POST", `/orders/${placed.body.id}/cancel`, {
        token: buyer.token,
      });
      assert.equal(again.status, 409);
    },
  ),
  sagaCase(
    "a paid order held before commit is cancelled, refunded and its stock released",
    async (shop, system, hold) => {
      const release = hold("order.stock_commit_requested");
      try {
        const { product, buyer } = await shop.stocked(10, 500, 5_000);
        const placed = await shop.place(buyer, [{ product_id: product, quantity: 2 }]);
        await waitFor(async () =>
          (await system.call("GET", `/orders/${placed.body.id}`, { token: buyer.token })).body
            .status === "paid"
        );
        const cancel = await system.call("POST", `/orders/${placed.body.id}/cancel`, {
          token: buyer.token,
        });
        assert.equal(cancel.status, 202);
        assert.equal(cancel.body.status, "cancelled");
        release();
        const order = await shop.settled(placed.body.id);
        assert.equal(order.status, "cancelled");
        await shop.assertInvariants();
        assert.equal((await shop.productState(product)).stock, 10);
        assert.equal((await shop.account(buyer)).balance, 5_000);
        const notes = await waitFor(async () => {
          const items = await shop.notifications(order.id);
          return items.length ? items : null;
        });
        assert.deepEqual(notes.map((n) => n.kind), ["cancelled"]);
      } finally {
        release();
      }
    },
    { holdsEvents: true },
  ),
  sagaCase(
    "cancel after confirmation returns the stock, refunds, and ends refunded",
    async (shop, system) => {
      const { product, buyer } = await shop.stocked(10, 700, 5_000);
      const order = await shop.order(buyer, [{ product_id: product, quantity: 3 }]);
      assert.equal(order.status, "confirmed");
      const cancel = await system.call("POST", `/orders/${order.id}/cancel`, {
        token: buyer.token,
      });
      assert.equal(cancel.status, 202);
      assert.equal(cancel.body.status, "refunded");
      await waitFor(async () => (await shop.account(buyer)).balance === 5_000);
      await waitFor(async () => (await shop.productState(product)).stock === 10);
      const { ledger } = await shop.account(buyer);
      assert.deepEqual(ledger.filter((e) => e.order_id === order.id).map((e) => e.type), [
        "charge",
        "refund",
      ]);
      const kinds = await waitFor(async () => {
        const items = await shop.notifications(order.id);
        return items.length === 2 ? items.map((n) => n.kind).sort() : null;
      });
      assert.deepEqual(kinds, ["confirmed", "refunded"]);
    },
  ),
  sagaCase(
    "a product deleted while its paid order is in flight: refunded, product_unavailable",
    async (shop, system, hold) => {
      const release = hold("order.stock_commit_requested");
      try {
        const [product, other] = await shop.products([10, 400], [10, 100]);
        const buyer = await shop.customer(5_000);
        const placed = await shop.place(buyer, [
          { product_id: product, quantity: 1 },
          { product_id: other, quantity: 4 },
        ]);
        await waitFor(async () =>
          (await system.call("GET", `/orders/${placed.body.id}`, { token: buyer.token })).body
            .status === "paid"
        );
        const deleted = await system.call("DELETE", `/inventory/products/${product}`, {
          token: system.admin,
        });
        assert.equal(deleted.status, 204);
        shop.stockIn.delete(product);
        const order = await shop.settled(placed.body.id);
        assert.equal(order.status, "refunded");
        assert.equal(order.reason, "product_unavailable");
        release();
        await waitFor(async () => (await shop.account(buyer)).balance === 5_000);
        await waitFor(async () => {
          const { stock, reserved } = await shop.productState(other);
          return stock === 10 && reserved === 0;
        }, { message: "the other product's stock released" });
      } finally {
        release();
      }
    },
    { holdsEvents: true },
  ),
];
