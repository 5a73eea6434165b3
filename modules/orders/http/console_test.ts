import assert from "node:assert/strict";
import { waitFor } from "../../../testing/wait.ts";
import { ADMIN, customer, harness, ORDER } from "../../../testing/modules/orders/http_harness.ts";

async function placeAs(h: Awaited<ReturnType<typeof harness>>, customerId: string) {
  const response = await h.place({ ...ORDER, customer_id: customerId }, { authorization: ADMIN });
  assert.equal(response.status, 202);
  return (await response.json()).id as string;
}

const reject = { kind: "reservation_rejected", reason: "out_of_stock", product_id: "p1" } as const;

Deno.test("GET /orders?status= lists one status across customers for the admin", async () => {
  const h = await harness();
  const a = await placeAs(h, "cus_a");
  const b = await placeAs(h, "cus_b");
  const c = await placeAs(h, "cus_c");
  await h.service.apply(a, reject, null);
  await h.service.cancel(c);
  const ids = async (query: string, authorization = ADMIN) => {
    const response = await h.request(`/orders?${query}`, { headers: { authorization } });
    assert.equal(response.status, 200, query);
    const page = await response.json();
    return page.items.map((order: { id: string }) => order.id);
  };
  assert.deepEqual(await ids("status=rejected"), [a]);
  assert.deepEqual(await ids("status=pending"), [b]);
  assert.deepEqual(await ids("status=cancelled"), [c]);
  assert.deepEqual(await ids("status=confirmed"), []);
  assert.deepEqual(await ids("status=pending&customer_id=cus_b"), [b]);
  assert.deepEqual(await ids("status=pending&customer_id=cus_a"), []);
  assert.deepEqual(await ids("status=rejected", await customer("cus_a")), [a], "a customer: own");
  assert.deepEqual(await ids("status=pending", await customer("cus_a")), []);
  const first = await (await h.request("/orders?limit=1", { headers: { authorization: ADMIN } }))
    .json();
  assert.equal(first.items.length, 1);
  assert.ok(first.next_cursor);
  for (const bad of ["status=shipped", "status=PENDING", "status="]) {
    const response = await h.request(`/orders?${bad}`, { headers: { authorization: ADMIN } });
    assert.equal(response.status, 400, bad);
    assert.equal((await response.json()).error.code, "invalid_request");
  }
  assert.deepEqual(h.unexpected, []);
});

Deno.test("GET /orders/stats counts orders per status for the admin only", async () => {
  const h = await harness();
  const empty = await (await h.request("/orders/stats", { headers: { authorization: ADMIN } }))
    .json();
  assert.deepEqual(empty, {
    by_status: {
      pending: 0,
      reserved: 0,
      paid: 0,
      confirmed: 0,
      rejected: 0,
      cancelled: 0,
      refunded: 0,
    },
    total: 0,
  });
  const a = await placeAs(h, "cus_a");
  await placeAs(h, "cus_b");
  await placeAs(h, "cus_b");
  await h.service.apply(a, reject, null);
  const response = await h.request("/orders/stats", { headers: { authorization: ADMIN } });
  assert.equal(response.status, 200);
  const stats = await response.json();
  assert.equal(stats.by_status.pending, 2);
  assert.equal(stats.by_status.rejected, 1);
  assert.equal(stats.total, 3);
  const asCustomer = await h.request("/orders/stats", {
    headers: { authorization: await customer("cus_a") },
  });
  assert.equal(asCustomer.status, 403);
  assert.equal((await h.request("/orders/stats")).status, 401);
});

Deno.test("Prefer: wait=45 counts as 30 (and answers 200 as soon as the order is terminal)", async () => {
  const h = await harness();
  const answer = h.place(ORDER, { prefer: "wait=45" });
  const [placed] = await waitFor(() => h.store.listRecent(1).then((l) => l.length ? l : null));
  await h.service.apply(placed!.id, reject, null);
  const response = await answer;
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("preference-applied"), "wait=30");
  assert.equal((await response.json()).status, "rejected");
});
