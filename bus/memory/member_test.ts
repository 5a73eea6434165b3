import assert from "node:assert/strict";
import { z } from "zod";
import { pinged } from "../../testing/bus/conformance.ts";
import { defineEvent } from "../types.ts";
import { uniqueName } from "../../testing/services.ts";
import { delay, waitFor } from "../../testing/wait.ts";
import { MemoryBus } from "./bus.ts";

function openPair() {
  const namespace = uniqueName("ns");
  return [
    new MemoryBus("memory:", { source: "one", namespace }),
    new MemoryBus("memory:", { source: "two", namespace }),
  ] as const;
}

Deno.test("a handler that finishes after its subscription was abandoned acks nothing", async () => {
  const [dying, survivor] = openPair();
  try {
    let release!: () => void;
    const hang = new Promise<void>((resolve) => release = resolve);
    const options = { ackDeadlineMs: 150 };
    let held = 0;
    const sub = await dying.subscribe("pair", [pinged], async () => {
      held++;
      await hang;
    }, options);
    await dying.publish(pinged, { n: 1 });
    await waitFor(() => held === 1);
    await sub.close({ graceMs: 0 });
    release(); // finishes well before the deadline, but the member is gone
    const attempts: number[] = [];
    await survivor.subscribe("pair", [pinged], (_e, info) => {
      attempts.push(info.attempt);
    }, options);
    await waitFor(() => attempts.length === 1);
    assert.deepEqual(attempts, [2]);
  } finally {
    await Promise.all([dying.close(), survivor.close()]);
  }
});

Deno.test("a late ack after the deadline neither cancels nor duplicates the redelivery", async () => {
  const [bus] = openPair();
  try {
    let release!: () => void;
    const hang = new Promise<void>((resolve) => release = resolve);
    const attempts: number[] = [];
    await bus.subscribe("slow", [pinged], async (_e, info) => {
      attempts.push(info.attempt);
      if (info.attempt === 1) await hang;
      else release();
    }, { ackDeadlineMs: 100 });
    await bus.publish(pinged, { n: 1 });
    await waitFor(() => attempts.length === 2);
    await delay(300);
    assert.deepEqual(attempts, [1, 2]);
    assert.deepEqual(await bus.deadLetters.list(), []);
  } finally {
    await bus.close();
  }
});

Deno.test("a message never acked is dead-lettered once maxDeliver deliveries timed out", async () => {
  const [bus] = openPair();
  try {
    let calls = 0;
    await bus.subscribe("stuck", [pinged], async () => {
      calls++;
      await delay(400);
    }, { ackDeadlineMs: 50, maxDeliver: 2 });
    await bus.publish(pinged, { n: 1 });
    const dead = await waitFor(async () => (await bus.deadLetters.list("stuck"))[0]);
    assert.equal(calls, 2);
    assert.equal(dead.attempts, 2);
    assert.match(dead.error, /Delivered 2 times without an ack/);
  } finally {
    await bus.close({ graceMs: 1_000 });
  }
});

Deno.test("a handler's mutation of its envelope is not seen by another group", async () => {
  const tagged = defineEvent(
    "test.tagged",
    z.object({ tags: z.array(z.string()), extra: z.unknown() }),
  );
  const [bus] = openPair();
  try {
    const seen: unknown[] = [];
    await bus.subscribe("mutator", [tagged], (e) => {
      const data = e.data as { tags: string[]; extra: { x: number } };
      data.tags.push("mutated");
      data.extra.x = 99;
      e.source = "mutated";
    });
    // Subscribed second, so its copy is decoded after the mutator has run.
    await bus.subscribe("reader", [tagged], (e) => {
      seen.push(e.source, e.data);
    });
    await bus.publish(tagged, { tags: ["a"], extra: { x: 1 } });
    await waitFor(() => seen.length === 2);
    assert.deepEqual(seen, ["one", { tags: ["a"], extra: { x: 1 } }]);
  } finally {
    await bus.close();
  }
});

Deno.test("a subscription to two types serves both while one is busy", async () => {
  const other = defineEvent("test.other", z.object({ n: z.number() }));
  const [bus] = openPair();
  try {
    for (let n = 0; n < 200; n++) await bus.publish(pinged, { n });
    await bus.publish(other, { n: 1 });
    const order: string[] = [];
    await bus.subscribe("both", [pinged, other], async (e) => {
      order.push(e.type);
      await delay(1);
    }, { maxInFlight: 2 });
    await waitFor(() => order.length === 201, { timeoutMs: 5_000 });
    assert.ok(order.indexOf("test.other") < 20, `other came at ${order.indexOf("test.other")}`);
  } finally {
    await bus.close();
  }
});
