import assert from "node:assert/strict";
import { pinged } from "../../testing/bus/conformance.ts";
import { uniqueName } from "../../testing/services.ts";
import { waitFor } from "../../testing/wait.ts";
import { MemoryBus } from "./bus.ts";
import { brokerNameOf } from "./registry.ts";
import { injectRaw } from "../../testing/bus/memory_inject.ts";

Deno.test("brokerNameOf() reads memory: URLs and rejects others", () => {
  assert.equal(brokerNameOf("memory:"), "default");
  assert.equal(brokerNameOf("memory://"), "default");
  assert.equal(brokerNameOf("MEMORY://orders"), "orders");
  assert.throws(() => brokerNameOf("memory:orders"), /must be memory: or memory:\/\/<name>/);
  assert.throws(() => brokerNameOf("redis://localhost"), RangeError);
});

Deno.test("buses share a broker only with the same broker name and namespace", async () => {
  const namespace = uniqueName("ns");
  const buses = [
    new MemoryBus("memory:", { source: "a", namespace }),
    new MemoryBus("memory://default", { source: "b", namespace }),
    new MemoryBus("memory://other", { source: "c", namespace }),
    new MemoryBus("memory:", { source: "d", namespace: uniqueName("ns") }),
  ] as const;
  try {
    const seen = buses.map(() => 0);
    for (const [i, bus] of buses.entries()) {
      await bus.subscribe("g", [pinged], () => {
        seen[i]!++;
      });
    }
    await buses[0].publish(pinged, { n: 1 });
    // Same group on a shared broker: one of the first two takes it.
    await waitFor(() => seen[0]! + seen[1]! === 1);
    await buses[2].publish(pinged, { n: 2 });
    await waitFor(() => seen[2] === 1);
    assert.equal(seen[3], 0);
  } finally {
    await Promise.all(buses.map((bus) => bus.close()));
  }
});

Deno.test("retention keeps the newest messages of a type for a late group", async () => {
  const bus = new MemoryBus("memory:", { source: "t", namespace: uniqueName("ns"), retention: 3 });
  try {
    for (let n = 0; n < 5; n++) await bus.publish(pinged, { n });
    const seen: number[] = [];
    await bus.subscribe("late", [pinged], (e) => {
      seen.push((e.data as { n: number }).n);
    });
    await waitFor(() => seen.length === 3);
    assert.deepEqual(seen, [2, 3, 4]);
  } finally {
    await bus.close();
  }
});

Deno.test("MemoryBus rejects a bad retention and a closed bus rejects calls", async () => {
  assert.throws(() => new MemoryBus("memory:", { source: "t", retention: 0 }), RangeError);
  const bus = new MemoryBus("memory:", { source: "t", namespace: uniqueName("ns") });
  await bus.ping();
  await bus.close();
  await assert.rejects(bus.ping(), /closed/);
  await assert.rejects(bus.publish(pinged, { n: 1 }), /closed/);
  await assert.rejects(bus.deadLetters.list(), /closed/);
});

Deno.test("injectRaw() needs an open bus on the namespace", () => {
  assert.throws(() => injectRaw(uniqueName("ns"), "test.pinged", "x"), /No memory bus is open/);
});
