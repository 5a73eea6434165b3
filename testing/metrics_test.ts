import assert from "node:assert/strict";
import { Registry } from "../lib/metrics.ts";
import { parseMetrics, sumOf } from "./metrics.ts";

Deno.test("parseMetrics() reads back what the registry renders, escaped labels too", async () => {
  const registry = new Registry();
  const messages = registry.counter("bus_messages_total", "Messages");
  messages.inc({ group: "orders", type: "inventory.stock_reserved", outcome: "handled" }, 3);
  messages.inc({ group: "orders", type: "accounts.payment_failed", outcome: "handled" });
  messages.inc({ group: "inventory", type: "order.placed", outcome: "handled" }, 2);
  messages.inc({ group: 'odd "one"\\', type: "x", outcome: "failed" });
  const samples = parseMetrics(await registry.render());
  assert.equal(sumOf(samples, "bus_messages_total", { group: "orders" }), 4);
  assert.equal(
    sumOf(samples, "bus_messages_total", {
      outcome: "handled",
      type: ["order.placed", "accounts.payment_failed"],
    }),
    3,
  );
  assert.equal(sumOf(samples, "bus_messages_total"), 7);
  assert.equal(sumOf(samples, "bus_messages_total", { group: 'odd "one"\\' }), 1);
  assert.equal(sumOf(samples, "no_such_metric"), 0);
});
