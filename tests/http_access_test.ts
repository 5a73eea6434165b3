/**
 * Who may do what, over the whole process on the memory setup: no token, a
 * wrong or forged one, another customer's and a customer's where an admin's
 * is needed get 401 or 403 with the SPEC error body; what a customer may do
 * works.
 */
import assert from "node:assert/strict";
import { assertErrorBody } from "../testing/http_client.ts";
import { withSystem } from "../testing/system.ts";

Deno.test("tokens reach only what they may", async () => {
  await withSystem("memory", async (system, shop) => {
    const product = await shop.product(5, 100);
    const ada = await shop.customer(1_000, "Ada");
    const bob = await shop.customer(1_000, "Bob");
    const order = await shop.order(ada, [{ product_id: product, quantity: 1 }]);

    // No token, a wrong token, a forged customer token.
    assertErrorBody(await system.call("POST", "/orders", { body: {} }), 401);
    assertErrorBody(
      await system.call("GET", `/orders/${order.id}`, { token: "not-a-token" }),
      401,
    );
    const forged = ada.token.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    assertErrorBody(await system.call("GET", `/orders/${order.id}`, { token: forged }), 401);
    assertErrorBody(
      await system.call("POST", "/inventory/products", {
        body: { name: "a", price: 1, stock: 1 },
      }),
      401,
    );

    // Another customer's things.
    assertErrorBody(await system.call("GET", `/orders/${order.id}`, { token: bob.token }), 403);
    assertErrorBody(
      await system.call("POST", `/orders/${order.id}/cancel`, { token: bob.token }),
      403,
    );
    assertErrorBody(
      await system.call("GET", `/accounts/customers/${ada.id}`, { token: bob.token }),
      403,
    );
    assertErrorBody(
      await system.call("GET", `/accounts/customers/${ada.id}/ledger`, { token: bob.token }),
      403,
    );
    assertErrorBody(
      await system.call("GET", `/messaging/notifications?customer_id=${ada.id}`, {
        token: bob.token,
      }),
      403,
    );
    assertErrorBody(
      await system.call("GET", `/messaging/invoices/${order.id}`, { token: bob.token }),
      [403, 404],
    );
    assertErrorBody(
      await system.call("POST", "/orders", {
        token: bob.token,
        body: { customer_id: ada.id, items: [{ product_id: product, quantity: 1 }] },
      }),
      403,
    );

    // Customers may not do admin things.
    assertErrorBody(
      await system.call("POST", `/accounts/customers/${ada.id}/deposits`, {
        token: ada.token,
        body: { amount: 1_000_000 },
      }),
      403,
    );
    assertErrorBody(
      await system.call("POST", "/inventory/products", {
        token: ada.token,
        body: { name: "a", price: 1, stock: 1 },
      }),
      403,
    );
    assertErrorBody(
      await system.call("POST", "/accounts/customers", {
        body: { name: "Eve", email: "eve@example.com", balance: 1_000_000 },
      }),
      403,
    );
    assertErrorBody(
      await system.call("POST", `/inventory/products/${product}/restock`, {
        token: ada.token,
        body: { quantity: 5 },
      }),
      403,
    );

    // And what they may.
    const signup = await system.call("POST", "/accounts/customers", {
      body: { name: "Eve", email: "eve@example.com" },
    });
    assert.equal(signup.status, 201);
    assert.equal(signup.body.balance, 0);
    const like = await system.call("POST", `/inventory/products/${product}/likes`, {
      token: ada.token,
    });
    assert.equal(like.status, 200);
    assert.equal(like.body.likes, 1);
    assert.equal((await shop.account(ada)).balance, 900);
  });
});
