/**
 * The order saga end to end, over HTTP: one list of cases that runs on every
 * in-process setup (memory; Redis Streams + Redis stores; NATS + Redis
 * stores) through `runSagaCases`, and across real processes behind nginx
 * through tests/split_cases.ts.
 */
import assert from "node:assert/strict";
import { gatedBus } from "../testing/gated_bus.ts";
import { Shop, type ShopTarget } from "../testing/shop.ts";
import { type Setup, setupAvailable, startSystem } from "../testing/system.ts";
import { waitFor } from "../testing/wait.ts";
import type { Bus } from "../bus/types.ts";

/** Holds handlers of an event type back until the returned function is called. */
export type Hold = ReturnType<typeof gatedBus>["hold"];

export interface SagaCase {
  name: string;
  /**
   * Holds an event type back with a gated bus, to stop a saga at a known step:
   * only a system in the test's own process has a bus to wrap.
   */
  holdsEvents?: boolean;
  /** The FEE_BPS its amounts assume; a case without one passes with any fee. */
  feeBps?: number;
  run(shop: Shop, target: ShopTarget, hold: Hold): Promise<void>;
}

/** The fee of the case that checks the arithmetic; a split cluster runs with it. */
export const SAGA_FEE_BPS = 533;

export const SAGA_CASES: SagaCase[] = [];

function sagaCase(
  name: string,
  run: SagaCase["run"],
  options: Omit<SagaCase, "name" | "run"> = {},
): void {
  SAGA_CASES.push({ name, run, ...options });
}

/** Every case on a fresh system in this process, one test each. */
export function runSagaCases(setup: Setup): void {
  const available = setupAvailable(setup);
  for (const sagaCase of SAGA_CASES) {
    Deno.test({
      name: `saga on ${setup}: ${sagaCase.name}`,
      ignore: !available,
      fn: async () => {
        let gates: ReturnType<typeof gatedBus> | null = null;
        const system = await startSystem(setup, {
          settings: { feeBps: sagaCase.feeBps ?? 0 },
          wrapBus: (bus: Bus) => (gates = gatedBus(bus)).bus,
        });
        try {
          const shop = new Shop(system);
          await sagaCase.run(shop, system, gates!.hold);
          await shop.assertInvariants();
        } finally {
          await system.stop();
        }
      },
    });
  }
}

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
    assert.deepEqual(order.history.map((h: { status: string }) => h.status), [
      "pending",
      "reserved",
      "paid",
      "confirmed",
    ]);
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
);

sagaCase("insufficient funds: the reservation is released and nothing is charged", async (shop) => {
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
});

sagaCase("out of stock and unknown product are rejected without a charge", async (shop) => {
  const product = await shop.product(2, 100);
  const buyer = await shop.customer(10_000);
  const short = await shop.order(buyer, [{ product_id: product, quantity: 3 }]);
  assert.equal(short.status, "rejected");
  assert.equal(short.reason, "out_of_stock");
  const ghost = await shop.order(buyer, [{ product_id: "no-such-product", quantity: 1 }]);
  assert.equal(ghost.status, "rejected");
  assert.equal(ghost.reason, "unknown_product");
  assert.equal((await shop.account(buyer)).balance, 10_000);
  assert.equal((await shop.productState(product)).stock, 2);
});

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
});

sagaCase("a multi-line order with one short line holds nothing (all or nothing)", async (shop) => {
  const plenty = await shop.product(50, 100);
  const scarce = await shop.product(1, 100);
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
});

sagaCase(
  "cancel before confirmation releases the stock and refunds what was taken",
  async (shop, system) => {
    const product = await shop.product(10, 500);
    const buyer = await shop.customer(5_000);
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
    await waitFor(async () => (await shop.productState(product)).stock === 10, {
      message: "the stock released",
    });
    assert.equal((await shop.productState(product)).reserved, 0);
    await waitFor(async () => (await shop.account(buyer)).balance === 5_000, {
      message: "the payment refunded",
    });
    const again = await system.call("POST", `/orders/${placed.body.id}/cancel`, {
      token: buyer.token,
    });
    assert.equal(again.status, 409);
  },
);

sagaCase(
  "a paid order held before commit is cancelled, refunded and its stock released",
  async (shop, system, hold) => {
    const release = hold("order.stock_commit_requested");
    try {
      const product = await shop.product(10, 500);
      const buyer = await shop.customer(5_000);
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
);

sagaCase(
  "cancel after confirmation returns the stock, refunds, and ends refunded",
  async (shop, system) => {
    const product = await shop.product(10, 700);
    const buyer = await shop.customer(5_000);
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
);

sagaCase(
  "a product deleted while its paid order is in flight: refunded, product_unavailable",
  async (shop, system, hold) => {
    const release = hold("order.stock_commit_requested");
    try {
      const product = await shop.product(10, 400);
      const other = await shop.product(10, 100);
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
      await waitFor(async () => (await shop.productState(other)).stock === 10);
      assert.equal((await shop.productState(other)).reserved, 0);
    } finally {
      release();
    }
  },
  { holdsEvents: true },
);

sagaCase("the same Idempotency-Key twice makes one order and one charge", async (shop, system) => {
  const product = await shop.product(10, 300);
  const buyer = await shop.customer(5_000);
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
});

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
);

sagaCase("Prefer: wait answers 200 with the terminal order", async (shop) => {
  const product = await shop.product(3, 100);
  const buyer = await shop.customer(1_000);
  const reply = await shop.place(buyer, [{ product_id: product, quantity: 1 }], {
    prefer: "wait=10",
  });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.equal(reply.body.status, "confirmed");
});

sagaCase(
  "one notification per order and outcome; rejected orders get no invoice",
  async (shop, system) => {
    const product = await shop.product(1, 100);
    const buyer = await shop.customer(1_000);
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
);
