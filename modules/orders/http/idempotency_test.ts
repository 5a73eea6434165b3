import assert from "node:assert/strict";
import { waitFor } from "../../../testing/wait.ts";
import { ADMIN, harness, ORDER } from "../../../testing/modules/orders/http_harness.ts";

const TWO_LINES = {
  customer_id: "cus_1",
  items: [{ product_id: "p1", quantity: 2 }, { product_id: "p2", quantity: 1 }],
};

Deno.test("the same Idempotency-Key and body return the same order, never a second", async () => {
  const h = await harness();
  const key = { "idempotency-key": "order-123" };
  const first = await h.place(TWO_LINES, key);
  const second = await h.place(TWO_LINES, key);
  const reordered = await h.place({ ...TWO_LINES, items: TWO_LINES.items.toReversed() }, key);
  assert.equal(first.status, 202);
  assert.equal(second.status, 202);
  assert.equal(second.headers.get("idempotent-replayed"), "true");
  const ids = [await first.json(), await second.json(), await reordered.json()].map((o) => o.id);
  assert.equal(new Set(ids).size, 1, "lines in another order are the same request");
  assert.equal((await h.store.listRecent(10)).length, 1);
  assert.equal((await h.store.outbox.peek(10)).length, 1, "one order.placed");
});

Deno.test("the same Idempotency-Key with another body is 409 and stores nothing new", async () => {
  const h = await harness();
  const key = { "idempotency-key": "order-123" };
  const first = await (await h.place(ORDER, key)).json();
  const other = await h.place({ ...ORDER, items: [{ product_id: "p1", quantity: 3 }] }, key);
  assert.equal(other.status, 409);
  const json = await other.json();
  assert.equal(json.error.code, "conflict");
  assert.match(json.error.message, /order-123/);
  assert.deepEqual(json.error.details, { order_id: first.id });
  assert.equal((await h.store.listRecent(10)).length, 1);
});

Deno.test("an Idempotency-Key is scoped to its customer", async () => {
  const h = await harness();
  const key = { "idempotency-key": "shared", authorization: ADMIN };
  const one = await (await h.place(ORDER, key)).json();
  const two = await (await h.place({ ...ORDER, customer_id: "cus_2" }, key)).json();
  assert.notEqual(one.id, two.id);
});

Deno.test("concurrent requests with one Idempotency-Key make one order", async () => {
  const h = await harness();
  const responses = await Promise.all(
    Array.from({ length: 10 }, () => h.place(ORDER, { "idempotency-key": "burst" })),
  );
  assert.ok(responses.every((response) => response.status === 202));
  const ids = new Set(await Promise.all(responses.map(async (r) => (await r.json()).id)));
  assert.equal(ids.size, 1);
  assert.equal((await h.store.listRecent(10)).length, 1);
});

Deno.test("Prefer: wait=0 answers at once with 202", async () => {
  const h = await harness();
  const response = await h.place(ORDER, { prefer: "wait=0" });
  assert.equal(response.status, 202);
  assert.equal(response.headers.get("preference-applied"), "wait=0");
  assert.equal((await response.json()).status, "pending");
});

Deno.test("Prefer: wait=1 answers 202 after a second when the order is still in flight", async () => {
  const h = await harness();
  const started = Date.now();
  const response = await h.place(ORDER, { prefer: "wait=1" });
  assert.equal(response.status, 202);
  assert.ok(Date.now() - started >= 950, `answered after ${Date.now() - started} ms`);
  assert.equal((await response.json()).status, "pending");
});

Deno.test("Prefer: wait answers 200 once another process finishes the order", async () => {
  const h = await harness();
  const answer = h.place(ORDER, { prefer: "respond-async, wait=10" });
  // Plays the saga elsewhere: it only shares the store with the waiting request.
  const [placed] = await waitFor(() => h.store.listRecent(1).then((l) => l.length ? l : null));
  const reason = "out_of_stock" as const;
  await h.service.apply(placed!.id, {
    kind: "reservation_rejected",
    reason,
    product_id: "p1",
  }, null);
  const response = await answer;
  assert.equal(response.status, 200);
  const order = await response.json();
  assert.equal(order.status, "rejected");
  assert.equal(order.reason, "out_of_stock");
});

Deno.test("a replayed request with Prefer: wait gets 200 for an order already finished", async () => {
  const h = await harness();
  const headers = { "idempotency-key": "again" };
  const placed = await (await h.place(ORDER, headers)).json();
  await h.service.cancel(placed.id);
  const response = await h.place(ORDER, { ...headers, prefer: "wait=5" });
  assert.equal(response.status, 200);
  assert.equal((await response.json()).status, "cancelled");
});
