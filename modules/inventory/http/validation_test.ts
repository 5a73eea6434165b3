import assert from "node:assert/strict";
import { ADMIN, assertError, startApi } from "../../../testing/modules/inventory/http_harness.ts";

const valid = { name: "Teapot", price: 1250, stock: 10 };

/** Bodies that must be refused with 400, each with why. */
const badCreates: [string, unknown][] = [
  ["negative price", { ...valid, price: -1 }],
  ["fractional price", { ...valid, price: 12.5 }],
  ["price as a string", { ...valid, price: "1250" }],
  ["price past MAX_SAFE_INTEGER", { ...valid, price: 2 ** 60 }],
  ["null price", { ...valid, price: null }],
  ["negative stock", { ...valid, stock: -3 }],
  ["fractional stock", { ...valid, stock: 0.5 }],
  ["stock as a string", { ...valid, stock: "10" }],
  ["stock as a boolean", { ...valid, stock: true }],
  ["missing name", { price: 1, stock: 1 }],
  ["missing price", { name: "X", stock: 1 }],
  ["missing stock", { name: "X", price: 1 }],
  ["empty name", { ...valid, name: "" }],
  ["blank name", { ...valid, name: "   " }],
  ["name too long", { ...valid, name: "x".repeat(201) }],
  ["unknown field", { ...valid, colour: "red" }],
  ["reserved is not an input", { ...valid, reserved: 0 }],
  ["id is not an input", { ...valid, id: "p_mine" }],
  ["tags not an array", { ...valid, tags: "kitchen" }],
  ["too many tags", { ...valid, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
  ["tag too long", { ...valid, tags: ["x".repeat(41)] }],
  ["empty tag", { ...valid, tags: [""] }],
  ["tag not a string", { ...valid, tags: [7] }],
  ["empty sku", { ...valid, sku: "" }],
  ["sku as a number", { ...valid, sku: 123 }],
  ["description as a number", { ...valid, description: 5 }],
  ["an array body", [valid]],
  ["a null body", null],
  ["a string body", "Teapot"],
  ["a number body", 42],
];

Deno.test("POST /inventory/products refuses every bad body with 400 and stores nothing", async () => {
  const api = startApi();
  for (const [why, body] of badCreates) {
    const reply = await api.call("POST", "/inventory/products", { token: ADMIN, body });
    assert.equal(reply.status, 400, `${why}: ${JSON.stringify(reply.body)}`);
    assert.equal(reply.body.error.code, "invalid_request", why);
    assert.ok(reply.body.error.message.length > 0, why);
  }
  const unknown = await api.call("POST", "/inventory/products", {
    token: ADMIN,
    body: { ...valid, colour: "red" },
  });
  assert.ok(Array.isArray(unknown.body.error.details), "zod details are given");
  assert.deepEqual((await api.call("GET", "/inventory/products")).body.items, []);
  api.assertNoUnexpected();
});

Deno.test("POST /inventory/products refuses what is not a JSON body", async () => {
  const api = startApi();
  const post = (raw: BodyInit, headers: Record<string, string>) =>
    api.call("POST", "/inventory/products", { token: ADMIN, raw, headers });
  const json = { "content-type": "application/json" };
  assertError(await post("{name: Teapot", json), 400, "invalid_request");
  assertError(await post("", json), 400, "invalid_request");
  assertError(
    await post(JSON.stringify(valid), { "content-type": "application/xml" }),
    415,
    "unsupported_media_type",
  );
  assertError(
    await post(JSON.stringify(valid), { "content-type": "multipart/form-data; boundary=x" }),
    415,
    "unsupported_media_type",
  );
  assertError(
    await post("name=Teapot&price=1&stock=1", {
      "content-type": "application/x-www-form-urlencoded",
    }),
    415,
    "unsupported_media_type",
  );
  const huge = JSON.stringify({ ...valid, description: "x".repeat(2 * 1024 * 1024) });
  assertError(await post(huge, json), 413, "payload_too_large");
  assert.deepEqual((await api.call("GET", "/inventory/products")).body.items, []);
  api.assertNoUnexpected();
});

Deno.test("PATCH /inventory/products/:id refuses bad patches and keeps the product", async () => {
  const api = startApi();
  const created = await api.create({ sku: "S-1" });
  const path = `/inventory/products/${created.id}`;
  const badPatches: [string, unknown][] = [
    ["no fields", {}],
    ["unknown field", { name: "X", colour: "red" }],
    ["sku cannot change", { sku: "S-2" }],
    ["stock changes by restock only", { stock: 99 }],
    ["negative price", { price: -5 }],
    ["fractional price", { price: 0.99 }],
    ["blank name", { name: " " }],
    ["tags of numbers", { tags: [1, 2] }],
  ];
  for (const [why, body] of badPatches) {
    const reply = await api.call("PATCH", path, { token: ADMIN, body });
    assert.equal(reply.status, 400, `${why}: ${JSON.stringify(reply.body)}`);
    assert.equal(reply.body.error.code, "invalid_request", why);
  }
  assert.deepEqual((await api.call("GET", path)).body, created);
  api.assertNoUnexpected();
});

Deno.test("POST /inventory/products/:id/restock refuses anything but a positive whole quantity", async () => {
  const api = startApi();
  const created = await api.create();
  const path = `/inventory/products/${created.id}/restock`;
  const badBodies: unknown[] = [
    { quantity: 0 },
    { quantity: -1 },
    { quantity: 1.5 },
    { quantity: "5" },
    { quantity: 1e12 },
    {},
    { quantity: 1, extra: true },
  ];
  for (const body of badBodies) {
    assertError(await api.call("POST", path, { token: ADMIN, body }), 400, "invalid_request");
  }
  assert.equal((await api.call("GET", `/inventory/products/${created.id}`)).body.stock, 10);
  api.assertNoUnexpected();
});
