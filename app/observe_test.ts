import assert from "node:assert/strict";
import { z } from "zod";
import { createBus } from "../bus/factory.ts";
import { defineEvent } from "../bus/types.ts";
import { createLogger } from "../lib/logger.ts";
import { parseMetrics, sumOf } from "../testing/metrics.ts";
import { uniqueName } from "../testing/services.ts";
import { waitFor } from "../testing/wait.ts";
import { observability } from "./observe.ts";

const poked = defineEvent("test.poked", z.object({ n: z.number().int() }));

Deno.test("observability() logs a failed handler with the trace id of its message", async () => {
  const lines: Record<string, unknown>[] = [];
  const observe = observability(createLogger("warn", {}, (line) => lines.push(JSON.parse(line))));
  const bus = observe.instrument(
    await createBus("memory://observe", { source: "test", namespace: uniqueName("ns") }),
  );
  try {
    await bus.subscribe("failing", [poked], () => {
      throw new Error("No luck");
    }, { maxDeliver: 2, backoff: () => 1 });
    const sent = await bus.publish(poked, { n: 1 });
    await waitFor(() => lines.length === 2, { message: "two failure lines" });
    const traceId = sent.traceparent?.split("-")[1];
    assert.match(traceId ?? "", /^[0-9a-f]{32}$/);
    assert.deepEqual(
      lines.map((line) => [line.level, line.message, line.attempt, line.trace_id]),
      [
        ["warn", "Message handler failed", 1, traceId],
        ["error", "Message handler failed", 2, traceId],
      ],
    );
    assert.equal(lines[0]!.correlation_id, sent.id);
  } finally {
    await bus.close({ graceMs: 0 });
  }
});

Deno.test("observability() counts deliveries after the first as redelivered", async () => {
  const observe = observability(createLogger("error", {}, () => {}));
  const bus = observe.instrument(
    await createBus("memory://observe", { source: "test", namespace: uniqueName("ns") }),
  );
  const count = async (outcome: string) =>
    sumOf(parseMetrics(await observe.registry.render()), "bus_messages_total", {
      group: "flaky",
      type: poked.type,
      outcome,
    });
  try {
    const attempts: number[] = [];
    await bus.subscribe("flaky", [poked], (envelope, info) => {
      attempts.push(info.attempt);
      if (poked.schema.parse(envelope.data).n === 1 && info.attempt < 3) throw new Error("Not yet");
    }, { maxDeliver: 5, backoff: () => 1 });
    await bus.publish(poked, { n: 1 });
    await bus.publish(poked, { n: 2 });
    await waitFor(async () => await count("handled") === 2, { message: "both handled" });
    assert.deepEqual(attempts.toSorted(), [1, 1, 2, 3]);
    assert.equal(await count("redelivered"), 2);
    assert.equal(await count("failed"), 2);
  } finally {
    await bus.close({ graceMs: 0 });
  }
});
