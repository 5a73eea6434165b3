import assert from "node:assert/strict";
import {
  ADMIN,
  harness,
  ORDER,
  storedNothing,
} from "../../../testing/modules/orders/http_harness.ts";

const item = { product_id: "p1", quantity: 2 };
const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ product_id: `p${i}`, quantity: 1 }));

const BAD_BODIES: [string, unknown, number][] = [
  ["a negative quantity", { ...ORDER, items: [{ ...item, quantity: -1 }] }, 400],
  ["a zero quantity", { ...ORDER, items: [{ ...item, quantity: 0 }] }, 400],
  ["a fractional quantity", { ...ORDER, items: [{ ...item, quantity: 1.5 }] }, 400],
  ["a quantity given as a string", { ...ORDER, items: [{ ...item, quantity: "2" }] }, 400],
  ["a huge quantity", { ...ORDER, items: [{ ...item, quantity: 1e12 }] }, 400],
  ["no customer_id", { items: [item] }, 400],
  ["a customer_id that is not an id", { ...ORDER, customer_id: "a b" }, 400],
  ["no items", { customer_id: "cus_1" }, 400],
  ["empty items", { ...ORDER, items: [] }, 400],
  ["items that is not a list", { ...ORDER, items: item }, 400],
  ["a line without product_id", { ...ORDER, items: [{ quantity: 1 }] }, 400],
  ["an unknown top-level field", { ...ORDER, coupon: "FREE" }, 400],
  ["an unknown line field", { ...ORDER, items: [{ ...item, unit_price: 1 }] }, 400],
  ["one product on two lines", { ...ORDER, items: [item, { ...item, quantity: 1 }] }, 400],
  ["more than 100 lines", { ...ORDER, items: lines(101) }, 400],
  ["a JSON array", [ORDER], 400],
  ["JSON null", null, 400],
  ["text that is not JSON", '{"customer_id": "cus_1", ', 400],
];

for (const [what, body, status] of BAD_BODIES) {
  Deno.test(`POST /orders with ${what} is ${status} and stores nothing`, async () => {
    const h = await harness();
    const response = await h.place(typeof body === "string" ? body : JSON.stringify(body));
    assert.equal(response.status, status);
    const json = await response.json();
    assert.equal(json.error.code, "invalid_request");
    assert.equal(typeof json.error.message, "string");
    assert.ok(await storedNothing(h));
    assert.deepEqual(h.unexpected, []);
  });
}

Deno.test("POST /orders takes exactly 100 lines", async () => {
  const h = await harness();
  const response = await h.place({ ...ORDER, items: lines(100) });
  assert.equal(response.status, 202);
  assert.equal((await response.json()).items.length, 100);
});

Deno.test("POST /orders names the offending field in its details", async () => {
  const h = await harness();
  const response = await h.place({ ...ORDER, items: [{ ...item, quantity: -3 }] });
  const json = await response.json();
  assert.match(json.error.message, /items\.0\.quantity/);
  assert.equal(json.error.details[0].path, "items.0.quantity");
});

Deno.test("POST /orders with another content type is 415 and stores nothing", async () => {
  const h = await harness();
  const response = await h.place(JSON.stringify(ORDER), { "content-type": "application/xml" });
  assert.equal(response.status, 415);
  assert.equal((await response.json()).error.code, "unsupported_media_type");
  assert.ok(await storedNothing(h));
});

Deno.test("POST /orders with a 2 MB body is 413 and stores nothing", async () => {
  const h = await harness();
  const huge = JSON.stringify({ ...ORDER, padding: "x".repeat(2 * 1024 * 1024) });
  const response = await h.place(huge);
  assert.equal(response.status, 413);
  assert.equal((await response.json()).error.code, "payload_too_large");
  assert.ok(await storedNothing(h));
});

for (const prefer of ["wait=-1", "wait=abc", "wait=1.5", "wait=", "wait"]) {
  Deno.test(`POST /orders ignores a malformed "Prefer: ${prefer}" (RFC 7240): 202 at once`, async () => {
    const h = await harness();
    const response = await h.place(ORDER, { prefer });
    assert.equal(response.status, 202);
    assert.equal(response.headers.get("preference-applied"), null);
    assert.equal((await response.json()).status, "pending");
    assert.equal((await h.store.listRecent(10)).length, 1);
  });
}

Deno.test("POST /orders ignores preferences other than wait", async () => {
  const h = await harness();
  const response = await h.place(ORDER, { prefer: "return=minimal, respond-async" });
  assert.equal(response.status, 202);
  assert.equal(response.headers.get("preference-applied"), null);
});

for (const [what, key] of [["too long", "k".repeat(256)], ["with a space", "a key"]]) {
  Deno.test(`POST /orders with an Idempotency-Key ${what} is 400`, async () => {
    const h = await harness();
    const response = await h.place(ORDER, { "idempotency-key": key! });
    assert.equal(response.status, 400);
    assert.ok(await storedNothing(h));
  });
}

Deno.test("GET /orders with a bad limit or customer_id is 400", async () => {
  const h = await harness();
  for (const query of ["limit=0", "limit=1001", "limit=ten", "customer_id=a%20b"]) {
    const response = await h.request(`/orders?${query}`, { headers: { authorization: ADMIN } });
    assert.equal(response.status, 400, query);
    assert.equal((await response.json()).error.code, "invalid_request");
  }
});
