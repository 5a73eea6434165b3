import assert from "node:assert/strict";
import { ADMIN, assertError } from "../../../testing/modules/inventory/http_harness.ts";
import { customerToken, startApi } from "../../../testing/modules/inventory/http_harness.ts";

Deno.test("featured: set by the admin on create and PATCH, listed with ?featured=true", async () => {
  const api = startApi();
  const mug = await api.create({ name: "Mug", tags: ["kitchen"], featured: true });
  const pot = await api.create({ name: "Pot", tags: ["kitchen"] });
  await api.create({ name: "Chair", featured: true });
  assert.equal(mug.featured, true);
  assert.equal(pot.featured, false);
  const names = async (query: string) =>
    (await api.call("GET", `/inventory/products?${query}`)).body.items.map(
      (p: { name: string }) => p.name,
    );
  assert.deepEqual(await names("featured=true"), ["Mug", "Chair"]);
  assert.deepEqual(await names("featured=true&tag=kitchen"), ["Mug"]);
  assert.deepEqual(await names("featured=false"), ["Pot"]);
  assert.deepEqual(await names("featured="), ["Mug", "Pot", "Chair"], "empty means no filter");
  const paged = await api.call("GET", "/inventory/products?featured=true&limit=1");
  assert.deepEqual(paged.body.items.map((p: { name: string }) => p.name), ["Mug"]);
  const next = await names(`featured=true&limit=1&cursor=${paged.body.next_cursor}`);
  assert.deepEqual(next, ["Chair"]);
  assertError(await api.call("GET", "/inventory/products?featured=yes"), 400, "invalid_request");

  const patched = await api.call("PATCH", `/inventory/products/${pot.id}`, {
    token: ADMIN,
    body: { featured: true },
  });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.featured, true);
  assert.equal(patched.body.name, "Pot");
  assert.deepEqual(await names("featured=true"), ["Mug", "Pot", "Chair"]);

  const customer = await customerToken("cus_1");
  assertError(
    await api.call("PATCH", `/inventory/products/${pot.id}`, {
      token: customer,
      body: { featured: false },
    }),
    403,
    "forbidden",
  );
  assertError(
    await api.call("PATCH", `/inventory/products/${pot.id}`, {
      token: ADMIN,
      body: { featured: "yes" },
    }),
    400,
    "invalid_request",
  );
  assert.equal((await api.call("GET", `/inventory/products/${pot.id}`)).body.featured, true);
  api.assertNoUnexpected();
});

Deno.test("GET /inventory/tags counts products per tag, most first", async () => {
  const api = startApi();
  await api.create({ tags: ["kitchen", "blue"] });
  await api.create({ tags: ["Kitchen"] });
  await api.create({ tags: ["garden"] });
  const reply = await api.call("GET", "/inventory/tags");
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.body, {
    items: [
      { tag: "kitchen", count: 2 },
      { tag: "blue", count: 1 },
      { tag: "garden", count: 1 },
    ],
  });
  assert.deepEqual((await api.call("GET", "/inventory/tags?limit=1")).body.items, [
    { tag: "kitchen", count: 2 },
  ]);
  assertError(await api.call("GET", "/inventory/tags?limit=0"), 400, "invalid_request");
  api.assertNoUnexpected();
});

Deno.test("GET /inventory/products/:id/related ranks, limits and 404s", async () => {
  const api = startApi();
  const tea = await api.create({ name: "Tea", tags: ["kitchen", "tea"] });
  await api.create({ name: "Cup", tags: ["kitchen"] });
  await api.create({ name: "Pot", tags: ["kitchen", "tea"] });
  await api.create({ name: "Chair", tags: ["garden"] });
  const related = async (query = "") => {
    const reply = await api.call("GET", `/inventory/products/${tea.id}/related${query}`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return reply.body.items.map((p: { name: string }) => p.name);
  };
  assert.deepEqual(await related(), ["Pot", "Cup"]);
  assert.deepEqual(await related("?limit=1"), ["Pot"]);
  for (const limit of ["0", "21", "two"]) {
    assertError(
      await api.call("GET", `/inventory/products/${tea.id}/related?limit=${limit}`),
      400,
      "invalid_request",
    );
  }
  assertError(await api.call("GET", "/inventory/products/p_nope/related"), 404, "not_found");
  api.assertNoUnexpected();
});

Deno.test("GET /inventory/reservations/:order_id shows what inventory holds (admin)", async () => {
  const api = startApi();
  const pot = await api.create({ price: 300, stock: 5 });
  await api.store.reserve("ord_1", [{ product_id: pot.id, quantity: 2 }]);
  const held = await api.call("GET", "/inventory/reservations/ord_1", { token: ADMIN });
  assert.equal(held.status, 200);
  const { created_at, updated_at, ...rest } = held.body;
  assert.ok(Date.parse(created_at) <= Date.parse(updated_at));
  assert.deepEqual(rest, {
    order_id: "ord_1",
    status: "held",
    lines: [{ product_id: pot.id, quantity: 2, unit_price: 300 }],
    reason: null,
    product_id: null,
  });
  await api.store.commit("ord_1");
  const committed = await api.call("GET", "/inventory/reservations/ord_1", { token: ADMIN });
  assert.equal(committed.body.status, "committed");
  await api.store.reserve("ord_2", [{ product_id: pot.id, quantity: 50 }]);
  const rejected = await api.call("GET", "/inventory/reservations/ord_2", { token: ADMIN });
  assert.equal(rejected.body.status, "rejected");
  assert.equal(rejected.body.reason, "out_of_stock");
  assert.deepEqual(rejected.body.lines, []);

  assertError(
    await api.call("GET", "/inventory/reservations/ord_unknown", { token: ADMIN }),
    404,
    "not_found",
  );
  assertError(await api.call("GET", "/inventory/reservations/ord_1"), 401, "unauthorized");
  assertError(
    await api.call("GET", "/inventory/reservations/ord_1", { token: await customerToken("c") }),
    403,
    "forbidden",
  );
  api.assertNoUnexpected();
});
