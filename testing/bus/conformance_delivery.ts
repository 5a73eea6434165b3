/**
 * Conformance cases for delivery: validation, fan-out, history, competing consumers,
 * isolation of deliveries, and backlog.
 *
 * @module
 */
import assert from "node:assert/strict";
import { z } from "zod";
import type { Envelope } from "../../bus/types.ts";
import { delay, waitFor } from "../wait.ts";
import { fastRetry, pinged, ponged, tagged, withBuses } from "./conformance_shared.ts";
import type { BusHarness, CaseRegistrar } from "./conformance_shared.ts";

export function deliveryCases(harness: BusHarness, test: CaseRegistrar, scale: number): void {
  test("publish() validates the payload and fills the envelope", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open("inventory");
      await assert.rejects(
        // deno-lint-ignore no-explicit-any
        bus.publish(pinged, { n: -1 } as any),
        // Not `z.ZodError` itself: zod throws a subclass recognised only by
        // `instanceof`, and Deno's node:assert matches classes by prototype.
        (error) => error instanceof z.ZodError,
      );
      const first = await bus.publish(pinged, { n: 1 });
      assert.equal(first.type, "test.pinged");
      assert.equal(first.source, "inventory");
      assert.equal(first.correlation_id, first.id);
      assert.equal(first.causation_id, null);
      assert.match(first.traceparent ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
      assert.ok(!Number.isNaN(Date.parse(first.time)));
      const second = await bus.publish(pinged, { n: 2 }, {
        correlationId: first.correlation_id,
        causationId: first.id,
      });
      assert.notEqual(second.id, first.id);
      assert.equal(second.correlation_id, first.id);
      assert.equal(second.causation_id, first.id);
    });
  });

  test("fan-out: every group gets every message, only the types it asked for", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open();
      const seen: Record<string, number[]> = { a: [], b: [] };
      await bus.subscribe("a", [pinged], (e) => {
        seen.a!.push((e.data as { n: number }).n);
      });
      await bus.subscribe("b", [pinged, ponged], (e) => {
        seen.b!.push((e.data as { n: number }).n);
      });
      for (let n = 0; n < 20; n++) await bus.publish(pinged, { n });
      await bus.publish(ponged, { n: 100, note: "only b" });
      await waitFor(() => seen.a!.length === 20 && seen.b!.length === 21);
      assert.deepEqual([...seen.a!].sort((x, y) => x - y), [...Array(20).keys()]);
      assert.ok(seen.b!.includes(100));
    });
  });

  test("a new group starts from the retained history", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open();
      for (let n = 0; n < 3; n++) await bus.publish(pinged, { n });
      const seen: number[] = [];
      await bus.subscribe("late", [pinged], (e) => {
        seen.push((e.data as { n: number }).n);
      });
      await waitFor(() => seen.length === 3);
      assert.deepEqual(seen.sort(), [0, 1, 2]);
    });
  });

  test("competing consumers: two instances of a group share the work, each message once", async () => {
    await withBuses(harness, async (open) => {
      const publisher = await open();
      const [one, two] = [await open(), await open()];
      const handled: Record<string, string[]> = { one: [], two: [] };
      for (const [name, bus] of [["one", one!], ["two", two!]] as const) {
        await bus.subscribe("workers", [pinged], async (e) => {
          await delay(5);
          handled[name]!.push(e.id);
        }, { maxInFlight: 5 });
      }
      const ids: string[] = [];
      for (let n = 0; n < 200; n++) ids.push((await publisher.publish(pinged, { n })).id);
      await waitFor(() => handled.one!.length + handled.two!.length >= 200);
      await delay(100);
      const all = [...handled.one!, ...handled.two!];
      assert.equal(all.length, 200, "no message handled twice");
      assert.deepEqual(new Set(all), new Set(ids));
      assert.ok(handled.one!.length > 0 && handled.two!.length > 0, "both instances worked");
    });
  });

  test("every delivery gets its own copy: no handler sees another's mutations, nor the publisher's", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open("origin");
      const seen: unknown[] = [];
      const mutate = (e: Envelope) => {
        const data = e.data as { tags: string[]; extra: { x: number } };
        data.tags.push("mutated");
        data.extra.x = 99;
        e.source = "mutated";
      };
      // Mutates, then fails its first attempt: the retry must see the message as sent.
      await bus.subscribe("mutator", [tagged], (e, info) => {
        seen.push(["mutator", info.attempt, e.source, structuredClone(e.data)]);
        mutate(e);
        if (info.attempt === 1) throw new Error("again");
      }, fastRetry);
      await bus.subscribe("reader", [tagged], (e) => {
        seen.push(["reader", 1, e.source, structuredClone(e.data)]);
        mutate(e);
      });
      const input = { tags: ["a"], extra: { x: 1 } };
      const sent = await bus.publish(tagged, input);
      // The publisher's own objects, changed after the publish resolved.
      input.tags.push("late");
      input.extra.x = 7;
      (sent.data as typeof input).extra.x = 8;
      await waitFor(() => seen.length === 3);
      await delay(50);
      const pristine = { tags: ["a"], extra: { x: 1 } };
      assert.deepEqual(
        seen.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        [
          ["mutator", 1, "origin", pristine],
          ["mutator", 2, "origin", pristine],
          ["reader", 1, "origin", pristine],
        ],
      );
    });
  });

  test("consumers get the data as JSON carries it; what JSON cannot carry is refused at publish", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open();
      const received: unknown[] = [];
      await bus.subscribe("json", [tagged], (e) => {
        received.push(e.data);
      });
      await bus.publish(tagged, {
        tags: [],
        extra: { at: new Date(0), gone: undefined, list: [undefined, 1], zero: -0 },
      });
      await waitFor(() => received.length === 1);
      assert.deepEqual(received[0], {
        tags: [],
        extra: { at: "1970-01-01T00:00:00.000Z", list: [null, 1], zero: 0 },
      });
      await assert.rejects(bus.publish(tagged, { tags: [], extra: 1n }), TypeError);
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      await assert.rejects(bus.publish(tagged, { tags: [], extra: cycle }), TypeError);
    });
  });

  test("backlog() counts what a group holds and has yet to get, per group, down to nothing", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open();
      assert.deepEqual(await bus.backlog("unknown"), { pending: 0, lag: 0 });
      await assert.rejects(bus.backlog("no spaces"), RangeError);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => release = resolve);
      let started = 0;
      let finished = 0;
      await bus.subscribe("held", [pinged, ponged], async () => {
        started++;
        await gate;
        finished++;
      }, { maxInFlight: 5 });
      let other = 0;
      await bus.subscribe("other", [pinged], () => {
        other++;
      });
      // Summed over the group's event types.
      const total = 20;
      for (let n = 0; n < 15; n++) await bus.publish(pinged, { n });
      for (let n = 0; n < 5; n++) await bus.publish(ponged, { n, note: "second type" });
      await waitFor(() => started === 5 && other === 15);
      const behind = await waitFor(async () => {
        const backlog = await bus.backlog("held");
        return backlog.pending > 0 && backlog.pending + backlog.lag === total ? backlog : null;
      }, { message: "held: pending + lag = all it has not finished" });
      assert.ok(behind.pending >= 5, `the five held are pending (${JSON.stringify(behind)})`);
      await waitFor(async () => {
        const backlog = await bus.backlog("other");
        return backlog.pending === 0 && backlog.lag === 0;
      }, { message: "another group's backlog is its own" });
      release();
      await waitFor(async () => {
        const backlog = await bus.backlog("held");
        return backlog.pending === 0 && backlog.lag === 0;
      }, { timeoutMs: 10_000 * scale, message: "held: nothing left once released" });
      assert.equal(finished, total);
    });
  });

  test("backlog() counts a message backing off as pending, a replay nobody took as lag", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open();
      let calls = 0;
      const subscription = await bus.subscribe("flaky", [pinged], () => {
        calls++;
        throw new Error("down");
      }, { maxDeliver: 2, backoff: () => 600 * scale });
      await bus.publish(pinged, { n: 1 });
      await waitFor(() => calls === 1);
      await waitFor(async () => {
        const backlog = await bus.backlog("flaky");
        return backlog.pending === 1 && backlog.lag === 0;
      }, { timeoutMs: 500 * scale, message: "the failed message, backing off, is pending" });
      await waitFor(async () => (await bus.deadLetters.list("flaky")).length === 1);
      await waitFor(async () => {
        const backlog = await bus.backlog("flaky");
        return backlog.pending === 0 && backlog.lag === 0;
      }, { message: "a dead letter is no longer the group's backlog" });
      await subscription.close();
      assert.equal(await bus.deadLetters.replayAll("flaky"), 1);
      await waitFor(async () => {
        const backlog = await bus.backlog("flaky");
        return backlog.pending === 0 && backlog.lag === 1;
      }, { message: "the replay waits for the group" });
    });
  });
}
