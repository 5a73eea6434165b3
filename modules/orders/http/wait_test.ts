import assert from "node:assert/strict";
import { ADMIN, harness, ORDER } from "../../../testing/modules/orders/http_harness.ts";

Deno.test("POST /orders with Prefer: wait stops waiting once the client has gone", async () => {
  const h = await harness();
  let answeredAt = 0;
  let goneAt = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => {
    const response = await h.app.fetch(request);
    answeredAt = performance.now();
    return response;
  });
  try {
    const client = new AbortController();
    setTimeout(() => {
      goneAt = performance.now();
      client.abort();
    }, 200);
    // Nothing settles the order: a handler that missed the disconnect would wait the full 10 s.
    await assert.rejects(
      fetch(`http://127.0.0.1:${server.addr.port}/orders`, {
        method: "POST",
        body: JSON.stringify(ORDER),
        headers: { authorization: ADMIN, "content-type": "application/json", prefer: "wait=10" },
        signal: client.signal,
      }),
    );
  } finally {
    // Waits for the handler to answer.
    await server.shutdown();
  }
  assert.ok(answeredAt > 0, "the handler answered");
  assert.ok(answeredAt - goneAt < 2_000, `answered ${Math.round(answeredAt - goneAt)} ms after`);
});
