/**
 * What the web store and the console read, through the whole process and the
 * real saga: related products learnt from confirmed orders, an order's live
 * status as Server-Sent Events, `Prefer: wait`, order counts, the bus backlog
 * and the currency.
 */
import assert from "node:assert/strict";
import { signCustomerToken } from "../lib/auth.ts";
import { stockCommitRequested } from "../modules/orders/events.ts";
import { type Customer, Shop } from "../testing/shop.ts";
import { SseReader } from "../testing/sse.ts";
import { setupAvailable, type TestSystem, withSystem } from "../testing/system.ts";
import { waitFor } from "../testing/wait.ts";

async function product(shop: Shop, name: string, tags: string[] = []): Promise<string> {
  const reply = await shop.system.call("POST", "/inventory/products", {
    token: shop.system.admin,
    body: { name, price: 100, stock: 50, tags },
  });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  shop.stockIn.set(reply.body.id, 50);
  return reply.body.id;
}

async function confirmed(shop: Shop, buyer: Customer, ...products: string[]): Promise<string> {
  const order = await shop.order(
    buyer,
    products.map((product_id) => ({ product_id, quantity: 1 })),
  );
  assert.equal(order.status, "confirmed", JSON.stringify(order));
  return order.id;
}

async function relatedNames(system: TestSystem, id: string): Promise<string[]> {
  const reply = await system.call("GET", `/inventory/products/${id}/related?limit=10`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body.items.map((p: { name: string }) => p.name);
}

/** Until inventory's group has taken and acknowledged everything on the bus. */
async function inventoryCaughtUp(system: TestSystem): Promise<void> {
  await waitFor(async () => {
    const reply = await system.call("GET", "/admin/bus", { token: system.admin });
    const inventory = reply.body.groups.find((g: { group: string }) => g.group === "inventory");
    return inventory.pending === 0 && inventory.lag === 0;
  }, { message: "inventory caught up" });
}

for (const setup of ["memory", "redis"] as const) {
  Deno.test({
    name: `${setup}: related products rank what confirmed orders bought together first`,
    ignore: !setupAvailable(setup),
    fn: () =>
      withSystem(setup, async (system, shop) => {
        const tea = await product(shop, "Tea", ["kitchen"]);
        const biscuits = await product(shop, "Biscuits");
        await product(shop, "Cup", ["kitchen"]);
        const honey = await product(shop, "Honey");
        assert.deepEqual(await relatedNames(system, tea), ["Cup"], "a shared tag only");
        const buyer = await shop.customer(10_000);
        await confirmed(shop, buyer, tea, biscuits);
        await confirmed(shop, buyer, biscuits, tea);
        const once = await confirmed(shop, buyer, tea, honey);
        assert.deepEqual(await relatedNames(system, tea), ["Biscuits", "Honey", "Cup"]);

        // At-least-once: the commit of the last order delivered again, twice. Counted
        // again, Honey (1 + 2) would pass Biscuits (2).
        for (let i = 0; i < 2; i++) {
          await system.process.bus.publish(stockCommitRequested, { order_id: once });
        }
        await inventoryCaughtUp(system);
        assert.deepEqual(await relatedNames(system, tea), ["Biscuits", "Honey", "Cup"]);

        const deleted = await system.call("DELETE", `/inventory/products/${biscuits}`, {
          token: system.admin,
        });
        assert.equal(deleted.status, 204);
        assert.deepEqual(await relatedNames(system, tea), ["Honey", "Cup"], "never a deleted one");
        assert.deepEqual(await relatedNames(system, honey), ["Tea"], "never the product itself");
        const unknown = await system.call("GET", `/inventory/products/${biscuits}/related`);
        assert.equal(unknown.status, 404);
      }),
  });
}

Deno.test("GET /orders/:id/events follows the real saga from pending to confirmed", async () => {
  await withSystem("memory", async (system, shop, gates) => {
    const pot = await product(shop, "Pot");
    const buyer = await shop.customer(1_000);
    const release = gates.hold("order.placed");
    const placed = await shop.place(buyer, [{ product_id: pot, quantity: 2 }]);
    assert.equal(placed.status, 202);
    const id = placed.body.id;
    const path = `/orders/${id}/events`;
    const open = (headers: Record<string, string>) => system.process.app.request(path, { headers });

    const response = await open({ authorization: `Bearer ${buyer.token}` });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.equal(response.headers.get("x-accel-buffering"), "no");
    const stream = new SseReader(response);
    const first = await stream.next();
    assert.deepEqual([first?.id, first?.event, JSON.parse(first!.data).status], [
      "1",
      "status",
      "pending",
    ]);
    release();
    const rest = await stream.rest();
    assert.deepEqual(rest.map((e) => [e.id, JSON.parse(e.data).status]), [
      ["2", "reserved"],
      ["3", "paid"],
      ["4", "confirmed"],
    ]);
    assert.ok(stream.ended, "closed after the terminal status");
    const order = await system.call("GET", `/orders/${id}`, { token: buyer.token });
    assert.deepEqual(JSON.parse(rest[2]!.data), order.body, "data is GET /orders/:id");

    // Resuming: only what came after, and nothing at all once the final status was seen.
    const resumed = new SseReader(
      await open({
        authorization: `Bearer ${buyer.token}`,
        "last-event-id": "2",
      }),
    );
    assert.deepEqual((await resumed.rest()).map((e) => e.id), ["4"]);
    const done = new SseReader(
      await open({
        authorization: `Bearer ${buyer.token}`,
        "last-event-id": "4",
      }),
    );
    assert.deepEqual(await done.rest(), []);

    // The session cookie is as good as the bearer token; someone else's is not.
    const cookie = new SseReader(await open({ cookie: `bazaar_session=${buyer.token}` }));
    assert.deepEqual((await cookie.rest()).map((e) => e.id), ["4"]);
    const other = await shop.customer(0, "Other");
    const forbidden = await open({ authorization: `Bearer ${other.token}` });
    assert.equal(forbidden.status, 403);
    assert.equal((await forbidden.json()).error.code, "forbidden");
    const unknown = await system.process.app.request("/orders/ord_nope/events", {
      headers: { authorization: `Bearer ${system.admin}` },
    });
    assert.equal(unknown.status, 404);
  });
});

Deno.test("Prefer: wait=45 waits (at most 30 s) for the outcome; wait=abc is ignored", async () => {
  await withSystem("memory", async (_system, shop, gates) => {
    const pot = await product(shop, "Pot");
    const buyer = await shop.customer(1_000);
    const waited = await shop.place(buyer, [{ product_id: pot, quantity: 1 }], {
      prefer: "wait=45",
    });
    assert.equal(waited.status, 200, JSON.stringify(waited.body));
    assert.equal(waited.headers.get("preference-applied"), "wait=30");
    assert.equal(waited.body.status, "confirmed");

    const release = gates.hold("order.placed");
    const started = Date.now();
    const ignored = await shop.place(buyer, [{ product_id: pot, quantity: 1 }], {
      prefer: "wait=abc",
    });
    assert.equal(ignored.status, 202);
    assert.equal(ignored.body.status, "pending");
    assert.equal(ignored.headers.get("preference-applied"), null);
    assert.ok(Date.now() - started < 2_000, "answered at once");
    release();
    await shop.settled(ignored.body.id);
  });
});

Deno.test("GET /orders/stats and GET /orders?status= for the console", async () => {
  await withSystem("memory", async (system, shop) => {
    const pot = await product(shop, "Pot");
    const rich = await shop.customer(10_000);
    const poor = await shop.customer(50);
    const ok = await confirmed(shop, rich, pot);
    const short = await shop.order(poor, [{ product_id: pot, quantity: 1 }]);
    assert.equal(short.status, "rejected");
    await confirmed(shop, rich, pot);
    const stats = await system.call("GET", "/orders/stats", { token: system.admin });
    assert.equal(stats.status, 200);
    assert.deepEqual(stats.body, {
      by_status: {
        pending: 0,
        reserved: 0,
        paid: 0,
        confirmed: 2,
        rejected: 1,
        cancelled: 0,
        refunded: 0,
      },
      total: 3,
    });
    assert.equal((await system.call("GET", "/orders/stats", { token: rich.token })).status, 403);
    const rejected = await system.call("GET", "/orders?status=rejected", { token: system.admin });
    assert.deepEqual(rejected.body.items.map((o: { id: string }) => o.id), [short.id]);
    const page = await system.call("GET", "/orders?status=confirmed&limit=1", {
      token: system.admin,
    });
    assert.equal(page.body.items.length, 1);
    const next = await system.call(
      "GET",
      `/orders?status=confirmed&limit=1&cursor=${page.body.next_cursor}`,
      { token: system.admin },
    );
    assert.deepEqual(next.body.items.map((o: { id: string }) => o.id), [ok]);
    const bad = await system.call("GET", "/orders?status=lost", { token: system.admin });
    assert.equal(bad.status, 400);
  });
});

Deno.test("GET /admin/bus lists all four groups, for the admin only, in any process", async () => {
  for (const modules of [undefined, ["inventory"] as const]) {
    await withSystem("memory", async (system) => {
      const reply = await system.call("GET", "/admin/bus", { token: system.admin });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual(reply.body.groups.map((g: { group: string }) => g.group), [
        "inventory",
        "accounts",
        "orders",
        "messaging",
      ]);
      for (const group of reply.body.groups) {
        assert.ok(Number.isInteger(group.pending) && Number.isInteger(group.lag));
      }
      assert.equal((await system.call("GET", "/admin/bus")).status, 401);
      const customer = await signCustomerToken(system.settings.authSecret, "cus_1");
      assert.equal((await system.call("GET", "/admin/bus", { token: customer })).status, 403);
    }, { modules });
  }
});

Deno.test("/health reports the currency, and CURRENCY=EUR writes notifications and invoices in €", async () => {
  await withSystem("memory", async (system) => {
    const health = await system.call("GET", "/health");
    assert.equal(health.body.currency, "USD");
  });
  await withSystem("memory", async (system, shop) => {
    const health = await system.call("GET", "/health");
    assert.deepEqual(Object.keys(health.body).sort(), ["currency", "modules", "status", "version"]);
    assert.equal(health.body.currency, "EUR");
    const pot = await product(shop, "Pot");
    const buyer = await shop.customer(1_000);
    const id = await confirmed(shop, buyer, pot);
    const [notification] = await waitFor(async () => {
      const items = await shop.notifications(id);
      return items.length ? items : null;
    }, { message: "the order's notification" });
    assert.match(notification.body, /We charged €1\.00 to your balance/);
    const invoice = await system.process.app.request(`/messaging/invoices/${id}`, {
      headers: { authorization: `Bearer ${buyer.token}`, accept: "text/html" },
    });
    const page = await invoice.text();
    assert.equal(invoice.status, 200, page);
    assert.ok(page.includes("€1.00"), page);
  }, { settings: { currency: "EUR" } });
});
