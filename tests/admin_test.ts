/**
 * The admin dead-letter routes: a malformed event dies in the group that could
 * not read it, is listed with its error, and can be replayed to that group.
 */
import assert from "node:assert/strict";
import { startSystem } from "../testing/system.ts";
import { waitFor } from "../testing/wait.ts";

Deno.test("admin routes list dead letters and replay them to their group", async () => {
  const system = await startSystem("memory");
  try {
    const envelopeId = crypto.randomUUID();
    await system.process.bus.publishEnvelope({
      id: envelopeId,
      type: "order.placed",
      source: "rogue",
      time: new Date().toISOString(),
      data: { order_id: "o1", customer_id: "c1", items: [] },
      correlation_id: envelopeId,
      causation_id: null,
      traceparent: null,
    });
    const first = await waitFor(async () => {
      const reply = await system.call("GET", "/admin/dead-letters?group=inventory", {
        token: system.admin,
      });
      return reply.body.items?.length === 1 ? reply.body.items[0] : null;
    });
    assert.equal(first.group, "inventory");
    assert.equal(first.envelope.id, envelopeId);
    assert.match(first.error, /failed validation/);

    const customer = await system.call("POST", "/accounts/customers", {
      body: { name: "Eve", email: "eve@example.com" },
    });
    for (const token of [null, customer.body.token]) {
      const reply = await system.call("GET", "/admin/dead-letters", { token });
      assert.equal(reply.status, token ? 403 : 401);
    }
    const bad = await system.call("GET", "/admin/dead-letters?group=no%20spaces", {
      token: system.admin,
    });
    assert.equal(bad.status, 400);
    const unknown = await system.call("POST", "/admin/dead-letters/nope/replay", {
      token: system.admin,
    });
    assert.equal(unknown.status, 404);

    const replay = await system.call("POST", `/admin/dead-letters/${first.id}/replay`, {
      token: system.admin,
    });
    assert.equal(replay.status, 200);
    assert.deepEqual(replay.body, { replayed: 1 });
    // Still malformed: it dies again in the same group, as a new letter.
    const again = await waitFor(async () => {
      const reply = await system.call("GET", "/admin/dead-letters", { token: system.admin });
      const items = reply.body.items ?? [];
      return items.length === 1 && items[0].id !== first.id ? items[0] : null;
    });
    assert.equal(again.envelope.id, envelopeId);
    const all = await system.call("POST", "/admin/dead-letters/replay?group=inventory", {
      token: system.admin,
    });
    assert.deepEqual(all.body, { replayed: 1 });
  } finally {
    await system.stop();
  }
});
