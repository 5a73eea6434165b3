import assert from "node:assert/strict";
import { ADMIN, assertError } from "../../../testing/modules/inventory/http_harness.ts";
import { customerToken, startApi } from "../../../testing/modules/inventory/http_harness.ts";

Deno.test("POST /inventory/products creates a product with the SPEC shape", async () => {
  const api = startApi();
  const reply = await api.call("POST", "/inventory/products", {
    token: ADMIN,
    body: { name: "  Teapot ", price: 1250, stock: 10, sku: "TEA-1", tags: ["kitchen"] },
  });
  assert.equal(reply.status, 201);
  const { id, created_at, updated_at, ...rest } = reply.body;
  assert.equal(typeof id, "string");
  assert.ok(!Number.isNaN(Date.parse(created_at)) && created_at === updated_at);
  assert.deepEqual(rest, {
    name: "Teapot",
    price: 1250,
    stock: 10,
    reserved: 0,
    sku: "TEA-1",
    description: null,
    tags: ["kitchen"],
    featured: false,
    likes: 0,
  });
  assert.deepEqual((await api.call("GET", `/inventory/products/${id}`)).body, reply.body);
  api.assertNoUnexpected();
});

Deno.test("POST /inventory/products answers 409 for a taken sku", async () => {
  const api = startApi();
  await api.create({ sku: "TEA-1" });
  const again = await api.call("POST", "/inventory/products", {
    token: ADMIN,
    body: { name: "Other", price: 1, stock: 1, sku: "TEA-1" },
  });
  assertError(again, 409, "conflict");
  assert.match(again.body.error.message, /"TEA-1"/);
  assert.equal((await api.call("GET", "/inventory/products")).body.items.length, 1);
});

Deno.test("GET /inventory/products/:id answers 404 for an unknown or malformed id", async () => {
  const api = startApi();
  assertError(await api.call("GET", "/inventory/products/p_nope"), 404, "not_found");
  assertError(await api.call("GET", "/inventory/products/%20%7B%7D"), 404, "not_found");
  assertError(
    await api.call("DELETE", "/inventory/products/p_nope", { token: ADMIN }),
    404,
    "not_found",
  );
  assertError(
    await api.call("PATCH", "/inventory/products/p_nope", { token: ADMIN, body: { name: "X" } }),
    404,
    "not_found",
  );
  assertError(
    await api.call("POST", "/inventory/products/p_nope/restock", {
      token: ADMIN,
      body: { quantity: 1 },
    }),
    404,
    "not_found",
  );
  api.assertNoUnexpected();
});

Deno.test("PATCH, restock and DELETE change a product as the admin", async () => {
  const api = startApi();
  const created = await api.create({ description: "Old", tags: ["a"] });
  const path = `/inventory/products/${created.id}`;
  const patched = await api.call("PATCH", path, {
    token: ADMIN,
    body: { price: 999, description: null, tags: ["b", "B", "c"] },
  });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.price, 999);
  assert.equal(patched.body.name, "Teapot");
  assert.equal(patched.body.description, null);
  assert.deepEqual(patched.body.tags, ["b", "c"]);
  const restocked = await api.call("POST", `${path}/restock`, {
    token: ADMIN,
    body: { quantity: 5 },
  });
  assert.equal(restocked.status, 200);
  assert.equal(restocked.body.stock, 15);
  const deleted = await api.call("DELETE", path, { token: ADMIN });
  assert.equal(deleted.status, 204);
  assert.equal(deleted.body, null);
  assertError(await api.call("GET", path), 404, "not_found");
  api.assertNoUnexpected();
});

Deno.test("GET /inventory/products pages with an opaque cursor", async () => {
  const api = startApi();
  for (let i = 0; i < 5; i++) await api.create({ name: `P${i}` });
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
    const reply = await api.call("GET", `/inventory/products${query}`);
    assert.equal(reply.status, 200);
    seen.push(...reply.body.items.map((p: { name: string }) => p.name));
    cursor = reply.body.next_cursor;
    pages++;
  } while (cursor);
  assert.deepEqual(seen, ["P0", "P1", "P2", "P3", "P4"]);
  assert.equal(pages, 3);
  const all = await api.call("GET", "/inventory/products");
  assert.equal(all.body.items.length, 5);
  assert.equal(all.body.next_cursor, null);
  const empty = await api.call("GET", "/inventory/products?tag=&q=&limit=&cursor=");
  assert.equal(empty.body.items.length, 5, "empty values mean no filter");
});

Deno.test("GET /inventory/products filters by tag and by q", async () => {
  const api = startApi();
  await api.create({ name: "Blue Mug", tags: ["kitchen"], sku: "MUG-7" });
  await api.create({ name: "Teapot", tags: ["Kitchen"], description: "for blue tea" });
  await api.create({ name: "Chair", tags: ["garden"] });
  const names = async (query: string) =>
    (await api.call("GET", `/inventory/products?${query}`)).body.items.map(
      (p: { name: string }) => p.name,
    );
  assert.deepEqual(await names("tag=kitchen"), ["Blue Mug", "Teapot"]);
  assert.deepEqual(await names("q=BLUE"), ["Blue Mug", "Teapot"]);
  assert.deepEqual(await names("q=mug-7"), ["Blue Mug"]);
  assert.deepEqual(await names("tag=garden&q=chair"), ["Chair"]);
  assert.deepEqual(await names("tag=nothing"), []);
});

Deno.test("GET /inventory/products refuses a bad limit or cursor with 400", async () => {
  const api = startApi();
  await api.create();
  for (const query of ["limit=0", "limit=101", "limit=abc", "limit=1.5", "limit=-1", "limit=1e2"]) {
    assertError(await api.call("GET", `/inventory/products?${query}`), 400, "invalid_request");
  }
  for (const cursor of ["nope", "Zm9v", "%7B%7D", "x".repeat(100)]) {
    const reply = await api.call("GET", `/inventory/products?cursor=${cursor}`);
    assertError(reply, 400, "invalid_request");
    assert.match(reply.body.error.message, /cursor/);
  }
  assert.equal((await api.call("GET", "/inventory/products?limit=100")).status, 200);
  api.assertNoUnexpected();
});

Deno.test("catalog writes need the admin token: 401 without one, 403 for a customer", async () => {
  const api = startApi();
  const created = await api.create();
  const customer = await customerToken("c1");
  const path = `/inventory/products/${created.id}`;
  const writes: [string, string, unknown][] = [
    ["POST", "/inventory/products", { name: "X", price: 1, stock: 1 }],
    ["PATCH", path, { name: "X" }],
    ["POST", `${path}/restock`, { quantity: 1 }],
    ["DELETE", path, undefined],
  ];
  for (const [method, url, body] of writes) {
    assertError(await api.call(method, url, { body }), 401, "unauthorized");
    assertError(await api.call(method, url, { body, token: "wrong" }), 401, "unauthorized");
    assertError(await api.call(method, url, { body, token: customer }), 403, "forbidden");
  }
  assert.equal((await api.call("GET", path)).body.name, "Teapot", "nothing changed");
  assert.equal((await api.call("GET", "/inventory/products")).body.items.length, 1);
  assert.equal((await api.call("GET", path, { token: customer })).status, 200, "reads are open");
});

Deno.test("POST /inventory/products/:id/likes counts each customer once", async () => {
  const api = startApi();
  const created = await api.create();
  const path = `/inventory/products/${created.id}/likes`;
  const alice = await customerToken("alice");
  const bob = await customerToken("bob");
  assert.deepEqual((await api.call("POST", path, { token: alice })).body, { likes: 1 });
  assert.deepEqual((await api.call("POST", path, { token: alice })).body, { likes: 1 });
  const byBob = await api.call("POST", path, { token: bob });
  assert.equal(byBob.status, 200);
  assert.deepEqual(byBob.body, { likes: 2 });
  assert.equal((await api.call("GET", `/inventory/products/${created.id}`)).body.likes, 2);
  assertError(await api.call("POST", path), 401, "unauthorized");
  assertError(await api.call("POST", path, { token: ADMIN }), 403, "forbidden");
  assertError(
    await api.call("POST", "/inventory/products/p_nope/likes", { token: alice }),
    404,
    "not_found",
  );
  api.assertNoUnexpected();
});
