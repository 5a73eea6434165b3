/**
 * The HTTP contract of the whole process on the memory setup: bad input gets a
 * 4xx with the SPEC error body and stores nothing; tokens reach only what they
 * may; the process routes (/health, /ready, /openapi.json, /docs) answer.
 */
import assert from "node:assert/strict";
import { Shop } from "../testing/shop.ts";
import { startSystem, type TestSystem } from "../testing/system.ts";

async function withSystem(body: (system: TestSystem, shop: Shop) => Promise<void>) {
  const system = await startSystem("memory");
  try {
    await body(system, new Shop(system));
  } finally {
    await system.stop();
  }
}

function assertErrorBody(reply: { status: number; body: unknown }, status: number | number[]) {
  const allowed = Array.isArray(status) ? status : [status];
  assert.ok(
    allowed.includes(reply.status),
    `status ${reply.status}: ${JSON.stringify(reply.body)}`,
  );
  const error = (reply.body as { error?: { code?: unknown; message?: unknown } }).error;
  assert.equal(typeof error?.code, "string", JSON.stringify(reply.body));
  assert.equal(typeof error?.message, "string");
}

const TWO_MB = JSON.stringify({ name: "x".repeat(2 * 1024 * 1024), price: 1, stock: 1 });

Deno.test("bad product bodies get 4xx with the SPEC error body and store nothing", async () => {
  await withSystem(async (system) => {
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
  await withSystem(async (system, shop) => {
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
  await withSystem(async (system, shop) => {
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

Deno.test("tokens reach only what they may", async () => {
  await withSystem(async (system, shop) => {
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

Deno.test("/health, /ready, /openapi.json and /docs answer", async () => {
  await withSystem(async (system) => {
    const health = await system.call("GET", "/health");
    assert.equal(health.status, 200);
    assert.deepEqual(
      [...health.body.modules].sort(),
      ["accounts", "inventory", "messaging", "orders", "web"],
    );
    assert.equal(health.body.currency, "USD");
    const ready = await system.call("GET", "/ready");
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    const spec = await system.call("GET", "/openapi.json");
    assert.equal(spec.body.openapi, "3.1.0");
    const paths = ["/inventory/products", "/orders", "/orders/{id}/cancel", "/accounts/sessions"];
    const storefront = ["/inventory/tags", "/orders/{id}/events", "/orders/stats", "/admin/bus"];
    for (const path of [...paths, "/accounts/sessions/current", "/admin/sessions", ...storefront]) {
      assert.ok(spec.body.paths[path], `openapi lists ${path}`);
    }
    const create = spec.body.paths["/inventory/products"].post;
    assert.ok(create.requestBody.content["application/json"].schema.properties.price);
    const docs = await system.call("GET", "/docs");
    // Swagger UI (the web module's), which reads /openapi.json.
    assert.match(String(docs.body), /swagger-ui/);
    const unknown = await system.call("GET", "/nowhere");
    assertErrorBody(unknown, 404);
  });
});

Deno.test("/metrics counts requests, handled messages and orders by status", async () => {
  await withSystem(async (system, shop) => {
    const product = await shop.product(5, 100);
    const buyer = await shop.customer(1_000);
    await shop.order(buyer, [{ product_id: product, quantity: 1 }]);
    const reply = await system.process.app.request("/metrics");
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get("content-type") ?? "", /text\/plain/);
    const text = await reply.text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? "NaN");
    assert.equal(
      value(/^http_requests_total\{method="POST",route="\/orders",status="202"\} (\d+)$/m),
      1,
    );
    assert.match(
      text,
      /^http_request_duration_seconds_bucket\{method="POST",route="\/orders",le="\+Inf"\} 1$/m,
    );
    assert.ok(
      value(
        /^bus_messages_total\{group="inventory",type="order.placed",outcome="handled"\} (\d+)$/m,
      ) >= 1,
      text,
    );
    assert.equal(value(/^orders_by_status\{status="confirmed"\} (\d+)$/m), 1);
    assert.equal(value(/^orders_by_status\{status="pending"\} (\d+)$/m), 0);
    for (const group of ["inventory", "accounts", "orders", "messaging"]) {
      assert.equal(
        value(new RegExp(`^bus_pending_messages\\{group="${group}"\\} (\\d+)$`, "m")),
        0,
      );
      assert.equal(value(new RegExp(`^bus_lag_messages\\{group="${group}"\\} (\\d+)$`, "m")), 0);
    }
  });
});

Deno.test("a JSON body sent as text/plain (fetch's default for a string) is read as JSON", async () => {
  await withSystem(async (system) => {
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
