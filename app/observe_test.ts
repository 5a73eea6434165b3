import assert from "node:assert/strict";
import { z } from "zod";
import { createBus } from "../bus/factory.ts";
import { defineEvent } from "../bus/types.ts";
import { createLogger } from "../lib/logger.ts";
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
