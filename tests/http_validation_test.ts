/**
 * Bad input over the whole process on the memory setup: a 4xx with the SPEC
 * error body, and nothing stored.
 */
import assert from "node:assert/strict";
import { assertErrorBody } from "../testing/http_client.ts";
import { withSystem } from "../testing/system.ts";

const TWO_MB = JSON.stringify({ name: "x".repeat(2 * 1024 * 1024), price: 1, stock: 1 });

Deno.test("bad product bodies get 4xx with the SPEC error body and store nothing", async () => {
  await withSystem("memory", async (system) => {
    const cases: [string, string][] = [
      ["negative price", JSON.stringify({ name: "a", price: -1, stock: 1 })],
      ["fractional price", JSON.stringify({ name: "a", price: 1.5, stock: 1 })],
      ["string price", JSON.stringify({ name: "a", price: "100", stock: 1 })],
      ["negative stock", JSON.stringify({ name: "a", price: 1, stock: -3 })],
      ["missing name", JSON.stringify({ price: 1, stock: 1 })],
      ["unknown field", JSON.stringify({ name: "a", price: 1, stock: 1, colour: "red" })],
      ["not JSON", "{name: a"],
      ["an array", "[]"],
      ["null", "null"],
      ["2 MB", TWO_MB],
    ];
    for (const [what, raw] of cases) {
      const reply = await system.call("POST", "/inventory/products", {
        token: system.admin,
        raw,
      });
      assertErrorBody(reply, what === "2 MB" ? 413 : 400);
    }
    const wrongType = await system.call("POST", "/inventory/products", {
      token: system.admin,
      raw: JSON.stringify({ name: "a", price: 1, stock: 1 }),
      headers: { "content-type": "application/xml" },
    });
    assertErrorBody(wrongType, [400, 415]);
    const listed = await system.call("GET", "/inventory/products");
    assert.deepEqual(listed.body.items, []);
  });
});

Deno.test("bad order bodies get 4xx and place no order", async () => {
  await withSystem("memory", async (system, shop) => {
    const product = await shop.product(5, 100);
    const buyer = await shop.customer(1_000);
    const item = (quantity: unknown) => ({ product_id: product, quantity });
    const bodies: unknown[] = [
      { customer_id: buyer.id, items: [item(-1)] },
      { customer_id: buyer.id, items: [item(0)] },
      { customer_id: buyer.id, items: [item(1.5)] },
      { customer_id: buyer.id, items: [item("2")] },
      { customer_id: buyer.id, items: [] },
      { customer_id: buyer.id },
      { items: [item(1)] },
      { customer_id: buyer.id, items: [item(1)], coupon: "FREE" },
      { customer_id: buyer.id, items: [{ product_id: product }] },
      "just a string",
    ];
    for (const body of bodies) {
      assertErrorBody(await system.call("POST", "/orders", { token: buyer.token, body }), 400);
    }
    assertErrorBody(
      await system.call("POST", "/orders", { token: buyer.token, raw: "{oops" }),
      400,
    );
    assertErrorBody(
      await system.call("POST", "/orders", {
        token: buyer.token,
        raw: JSON.stringify({ customer_id: buyer.id, items: [item(1)], pad: "x".repeat(2e6) }),
      }),
      413,
    );
    const listed = await system.call("GET", `/orders?customer_id=${buyer.id}`, {
      token: buyer.token,
    });
    assert.deepEqual(listed.body.items, []);
    assert.equal((await shop.productState(product)).reserved, 0);
  });
});

Deno.test("bad customer and deposit bodies get 4xx and change nothing", async () => {
  await withSystem("memory", async (system, shop) => {
    for (
      const body of [
        { name: "a" },
        { name: "a", email: "not-an-email" },
        { name: "a", email: "a@example.com", balance: -5 },
        { name: "a", email: "a@example.com", balance: 1.25 },
        { name: "a", email: "a@example.com", role: "admin" },
      ]
    ) {
      assertErrorBody(
        await system.call("POST", "/accounts/customers", { token: system.admin, body }),
        400,
      );
    }
    const buyer = await shop.customer(100);
    for (const amount of [-1, 0, 2.5, "10", null]) {
      assertErrorBody(
        await system.call("POST", `/accounts/customers/${buyer.id}/deposits`, {
          token: system.admin,
          body: { amount },
        }),
        400,
      );
    }
    const { balance, ledger } = await shop.account(buyer);
    assert.equal(balance, 100);
    assert.equal(ledger.length, 1);
  });
});

Deno.test("a JSON body sent as text/plain (fetch's default for a string) is read as JSON", async () => {
  await withSystem("memory", async (system) => {
    const reply = await system.process.app.request("/accounts/customers", {
      method: "POST",
      body: JSON.stringify({ name: "Fetch", email: "fetch@example.com" }),
    });
    assert.match(reply.headers.get("content-type") ?? "", /json/);
    assert.equal(reply.status, 201, await reply.clone().text());
    assert.equal((await reply.json()).name, "Fetch");
    const form = await system.call("POST", "/accounts/customers", {
      raw: "name=Form&email=form@example.com",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assertErrorBody(form, 415);
  });
});
