/**
 * Where an order ends when nobody interferes: confirmed with the stock, the
 * balance, the notification and the invoice exactly right, or rejected for
 * funds, stock, an unknown product or customer, holding and charging nothing.
 */
import { statusesOf } from "../../testing/shop.ts";
import assert from "node:assert/strict";
import { waitFor } from "../../testing/wait.ts";
import { SAGA_FEE_BPS, type SagaCase, sagaCase } from "./case.ts";

export const OUTCOME_CASES: SagaCase[] = [
  sagaCase(
    "a paid order is confirmed: stock and balance move exactly, one notification, an invoice",
    async (shop, system) => {
      const product = await shop.product(10, 1_250, "Teapot & Cups");
      const ada = await shop.customer(10_000);
      const order = await shop.order(ada, [{ product_id: product, quantity: 3 }]);
      assert.equal(order.status, "confirmed");
      assert.equal(order.reason, null);
      assert.deepEqual(order.items, [{ product_id: product, quantity: 3, unit_price: 1_250 }]);
      assert.equal(order.subtotal, 3_750);
      assert.equal(order.fee, 200);
      assert.equal(order.total, 3_950);
      assert.deepEqual(statusesOf(order), ["pending", "reserved", "paid", "confirmed"]);
      const stocked = await shop.productState(product);
      assert.equal(stocked.stock, 7);
      assert.equal(stocked.reserved, 0);
      const { balance, ledger } = await shop.account(ada);
      assert.equal(balance, 10_000 - 3_950);
      assert.deepEqual(
        ledger.filter((e) => e.type === "charge").map((e) => [e.amount, e.order_id]),
        [[3_950, order.id]],
      );
      const notes = await waitFor(async () => {
        const items = await shop.notifications(order.id);
        return items.length ? items : null;
      });
      assert.deepEqual(notes.map((n) => n.kind), ["confirmed"]);
      // Messaging names the product from inventory.product_saved; should that
      // arrive after the order, the invoice names it once it has.
      const invoice = await waitFor(async () => {
        const reply = await system.call("GET", `/messaging/invoices/${order.id}`, {
          token: ada.token,
        });
        return reply.status === 200 && reply.body.items[0]?.name !== null ? reply.body : null;
      }, { message: "a named invoice" });
      assert.equal(invoice.total, 3_950);
      assert.deepEqual(
        invoice.items.map((i: { product_id: string; name: string }) => [i.product_id, i.name]),
        [[product, "Teapot & Cups"]],
      );
      const html = await system.call("GET", `/messaging/invoices/${order.id}`, {
        token: ada.token,
        headers: { accept: "text/html" },
      });
      assert.equal(html.status, 200);
      assert.match(html.headers.get("content-type") ?? "", /text\/html/);
      assert.match(String(html.body), /3[,.]?950|39\.50/);
      assert.ok(
        String(html.body).includes(`Teapot &amp; Cups<small>${product}</small>`),
        "the HTML invoice shows the product's name, its id beneath",
      );
    },
    { feeBps: SAGA_FEE_BPS },
  ),
  sagaCase(
    "insufficient funds: the reservation is released and nothing is charged",
    async (shop) => {
      const product = await shop.product(5, 1_000);
      const poor = await shop.customer(999);
      const order = await shop.order(poor, [{ product_id: product, quantity: 1 }]);
      assert.equal(order.status, "rejected");
      assert.equal(order.reason, "insufficient_funds");
      await waitFor(async () => (await shop.productState(product)).reserved === 0);
      assert.equal((await shop.productState(product)).stock, 5);
      const { balance, ledger } = await shop.account(poor);
      assert.equal(balance, 999);
      assert.equal(ledger.filter((e) => e.type === "charge").length, 0);
    },
  ),
  sagaCase("out of stock and unknown product are rejected without a charge", async (shop) => {
    const { product, buyer } = await shop.stocked(2, 100, 10_000);
    const short = await shop.order(buyer, [{ product_id: product, quantity: 3 }]);
    assert.equal(short.status, "rejected");
    assert.equal(short.reason, "out_of_stock");
    const ghost = await shop.order(buyer, [{ product_id: "no-such-product", quantity: 1 }]);
    assert.equal(ghost.status, "rejected");
    assert.equal(ghost.reason, "unknown_product");
    assert.equal((await shop.account(buyer)).balance, 10_000);
    assert.equal((await shop.productState(product)).stock, 2);
  }),
  sagaCase("an unknown customer is rejected and the stock released", async (shop, system) => {
    const product = await shop.product(4, 100);
    const placed = await system.call("POST", "/orders", {
      token: system.admin,
      body: { customer_id: "nobody-at-all", items: [{ product_id: product, quantity: 2 }] },
    });
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    const order = await shop.settled(placed.body.id);
    assert.equal(order.status, "rejected");
    assert.equal(order.reason, "unknown_customer");
    await waitFor(async () => (await shop.productState(product)).reserved === 0);
    assert.equal((await shop.productState(product)).stock, 4);
  }),
  sagaCase(
    "a multi-line order with one short line holds nothing (all or nothing)",
    async (shop) => {
      const [plenty, scarce] = await shop.products([50, 100], [1, 100]);
      const buyer = await shop.customer(100_000);
      const order = await shop.order(buyer, [
        { product_id: plenty, quantity: 5 },
        { product_id: scarce, quantity: 2 },
      ]);
      assert.equal(order.status, "rejected");
      assert.equal(order.reason, "out_of_stock");
      assert.equal((await shop.productState(plenty)).stock, 50);
      assert.equal((await shop.productState(plenty)).reserved, 0);
      assert.equal((await shop.productState(scarce)).stock, 1);
    },
  ),
  sagaCase(
    "one notification per order and outcome; rejected orders get no invoice",
    async (shop, system) => {
      const { product, buyer } = await shop.stocked(1, 100, 1_000);
      const won = await shop.order(buyer, [{ product_id: product, quantity: 1 }]);
      const lost = await shop.order(buyer, [{ product_id: product, quantity: 1 }]);
      assert.equal(won.status, "confirmed");
      assert.equal(lost.status, "rejected");
      for (const [order, kind] of [[won, "confirmed"], [lost, "rejected"]] as const) {
        const notes = await waitFor(async () => {
          const items = await shop.notifications(order.id);
          return items.length ? items : null;
        });
        assert.deepEqual(notes.map((n) => n.kind), [kind]);
        assert.equal(notes[0].customer_id, buyer.id);
      }
      const none = await system.call("GET", `/messaging/invoices/${lost.id}`, {
        token: buyer.token,
      });
      assert.equal(none.status, 404);
      const mine = await system.call("GET", `/messaging/notifications?customer_id=${buyer.id}`, {
        token: buyer.token,
      });
      assert.equal(mine.body.items.length, 2);
    },
  ),
];
