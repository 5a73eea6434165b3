import assert from "node:assert/strict";
import { ADMIN, customer, harness, ORDER } from "../../../testing/modules/orders/http_harness.ts";

const SPEC_FIELDS = [
  "created_at",
  "customer_id",
  "fee",
  "history",
  "id",
  "items",
  "reason",
  "status",
  "subtotal",
  "total",
  "updated_at",
];

Deno.test("POST /orders places a pending order: 202, Location, the SPEC fields only", async () => {
  const h = await harness();
  const response = await h.place(ORDER);
  assert.equal(response.status, 202);
  const order = await response.json();
  assert.equal(response.headers.get("location"), `/orders/${order.id}`);
  assert.deepEqual(Object.keys(order).sort(), SPEC_FIELDS);
  assert.equal(order.status, "pending");
  assert.deepEqual(order.items, [{ product_id: "p1", quantity: 2, unit_price: null }]);
  assert.equal(order.subtotal, null);
  assert.equal(order.total, null);
  assert.equal(order.reason, null);
  assert.deepEqual(order.history, [{ status: "pending", at: order.created_at }]);
  const [event] = await h.store.outbox.peek(10);
  assert.equal(event?.envelope.type, "order.placed", "stored with its order.placed event");
  assert.deepEqual(event?.envelope.data, {
    order_id: order.id,
    customer_id: "cus_1",
    items: ORDER.items,
  });
});

Deno.test("POST /orders needs a token: 401 without, 401 with a forged one", async () => {
  const h = await harness();
  const none = await h.place(ORDER, { authorization: "" });
  assert.equal(none.status, 401);
  assert.equal((await none.json()).error.code, "unauthorized");
  const forged = await h.place(ORDER, { authorization: "Bearer c1.Y3VzXzE.AAAA" });
  assert.equal(forged.status, 401);
  assert.deepEqual(await h.store.listRecent(10), []);
});

Deno.test("a customer may not place an order for another customer (403); the admin may", async () => {
  const h = await harness();
  const other = await h.place(ORDER, { authorization: await customer("cus_2") });
  assert.equal(other.status, 403);
  assert.equal((await other.json()).error.code, "forbidden");
  assert.deepEqual(await h.store.listRecent(10), []);
  const admin = await h.place(ORDER, { authorization: ADMIN });
  assert.equal(admin.status, 202);
});

Deno.test("GET /orders/:id: the owner and the admin see it, others 403, unknown 404", async () => {
  const h = await harness();
  const placed = await (await h.place(ORDER)).json();
  const get = async (id: string, authorization?: string) =>
    await h.request(`/orders/${id}`, { headers: authorization ? { authorization } : {} });
  const mine = await get(placed.id, await customer("cus_1"));
  assert.equal(mine.status, 200);
  assert.deepEqual(await mine.json(), placed);
  assert.equal((await get(placed.id, ADMIN)).status, 200);
  assert.equal((await get(placed.id, await customer("cus_2"))).status, 403);
  assert.equal((await get(placed.id)).status, 401);
  const unknown = await get("ord_nope", ADMIN);
  assert.equal(unknown.status, 404);
  assert.deepEqual(await unknown.json(), {
    error: { code: "not_found", message: 'Order "ord_nope" does not exist' },
  });
  assert.equal((await get("not%20an%20id", ADMIN)).status, 404);
});

Deno.test("GET /orders lists a customer's own orders, newest first", async () => {
  const h = await harness();
  const first = await (await h.place(ORDER)).json();
  const second = await (await h.place(ORDER)).json();
  await h.place({ ...ORDER, customer_id: "cus_2" }, { authorization: ADMIN });
  const list = async (query: string, authorization: string) =>
    await h.request(`/orders${query}`, { headers: { authorization } });
  const token = await customer("cus_1");
  const own = await (await list("", token)).json();
  assert.deepEqual(own.items.map((o: { id: string }) => o.id), [second.id, first.id]);
  const explicit = await (await list("?customer_id=cus_1&limit=1", token)).json();
  assert.deepEqual(explicit.items.map((o: { id: string }) => o.id), [second.id]);
  assert.equal((await list("?customer_id=cus_2", token)).status, 403);
});

Deno.test("GET /orders for the admin: any customer's, or the most recent of all", async () => {
  const h = await harness();
  await h.place(ORDER);
  await h.place({ ...ORDER, customer_id: "cus_2" }, { authorization: ADMIN });
  const all = await (await h.request("/orders", { headers: { authorization: ADMIN } })).json();
  assert.equal(all.items.length, 2);
  const one = await h.request("/orders?customer_id=cus_2", { headers: { authorization: ADMIN } });
  assert.deepEqual((await one.json()).items.map((o: { customer_id: string }) => o.customer_id), [
    "cus_2",
  ]);
  assert.equal((await h.request("/orders")).status, 401);
});

Deno.test("POST /orders/:id/cancel cancels a pending order (202), then is 409", async () => {
  const h = await harness();
  const placed = await (await h.place(ORDER)).json();
  const cancel = async (authorization: string) =>
    await h.request(`/orders/${placed.id}/cancel`, { method: "POST", headers: { authorization } });
  const token = await customer("cus_1");
  const first = await cancel(token);
  assert.equal(first.status, 202);
  const cancelled = await first.json();
  assert.equal(cancelled.status, "cancelled");
  assert.deepEqual(cancelled.history.map((h: { status: string }) => h.status), [
    "pending",
    "cancelled",
  ]);
  const again = await cancel(token);
  assert.equal(again.status, 409);
  assert.equal((await again.json()).error.code, "conflict");
  const types = (await h.store.outbox.peek(10)).map((entry) => entry.envelope.type);
  assert.deepEqual(types, ["order.placed", "order.stock_release_requested", "order.cancelled"]);
});

Deno.test("POST /orders/:id/cancel: another customer's order 403, unknown 404, no token 401", async () => {
  const h = await harness();
  const placed = await (await h.place(ORDER)).json();
  const cancel = async (id: string, headers: Record<string, string>) =>
    (await h.request(`/orders/${id}/cancel`, { method: "POST", headers })).status;
  assert.equal(await cancel(placed.id, { authorization: await customer("cus_2") }), 403);
  assert.equal(await cancel("ord_nope", { authorization: ADMIN }), 404);
  assert.equal(await cancel(placed.id, {}), 401);
  assert.equal((await h.service.get(placed.id))?.status, "pending");
  assert.equal(await cancel(placed.id, { authorization: ADMIN }), 202, "the admin may cancel");
});

Deno.test("cancel after confirmation is 202 with the order refunded", async () => {
  const h = await harness();
  const placed = await (await h.place(ORDER)).json();
  const lines = [{ product_id: "p1", quantity: 2, unit_price: 500 }];
  await h.service.apply(placed.id, { kind: "stock_reserved", lines }, null);
  await h.service.apply(placed.id, { kind: "payment_succeeded", amount: 1_000 }, null);
  await h.service.apply(placed.id, { kind: "reservation_committed" }, null);
  const response = await h.request(`/orders/${placed.id}/cancel`, {
    method: "POST",
    headers: { authorization: ADMIN },
  });
  assert.equal(response.status, 202);
  const order = await response.json();
  assert.equal(order.status, "refunded");
  assert.equal(order.reason, "cancelled");
  assert.equal(order.total, 1_000);
  assert.deepEqual(order.items, lines);
});
