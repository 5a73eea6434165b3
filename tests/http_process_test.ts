/**
 * The process routes on the memory setup: /health, /ready, /openapi.json,
 * /docs, an unknown path, and the counters /metrics exports.
 */
import assert from "node:assert/strict";
import { assertErrorBody } from "../testing/http_client.ts";
import { withSystem } from "../testing/system.ts";

Deno.test("/health, /ready, /openapi.json and /docs answer", async () => {
  await withSystem("memory", async (system) => {
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
  await withSystem("memory", async (system, shop) => {
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
