import assert from "node:assert/strict";
import { z } from "zod";
import { defineEvent } from "../bus/types.ts";
import { startSystem } from "../testing/system.ts";
import { waitFor } from "../testing/wait.ts";

const noted = defineEvent("test.noted", z.object({ n: z.number().int() }));

Deno.test("BUS_RETENTION bounds what the process's bus keeps per event type", async () => {
  const system = await startSystem("memory", { settings: { busRetention: 1_000 } });
  try {
    const bus = system.process.bus;
    for (let n = 0; n < 1_500; n++) await bus.publish(noted, { n });
    const seen: number[] = [];
    await bus.subscribe("late", [noted], (e) => {
      seen.push((e.data as { n: number }).n);
    });
    await waitFor(() => seen.length >= 1_000);
    await waitFor(async () => (await bus.backlog("late")).pending === 0);
    assert.equal(seen.length, 1_000, "a late group finds only the retained messages");
    assert.equal(Math.min(...seen), 500, "the oldest went first");
  } finally {
    await system.stop();
  }
});
