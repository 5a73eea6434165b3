/**
 * Conformance cases for failure: retries, dead letters and replay, malformed
 * messages, ack deadlines, dying consumers, close, tracing, and volume.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Envelope, Subscription } from "../../bus/types.ts";
import { delay, waitFor } from "../wait.ts";
import { uniqueName } from "../services.ts";
import { countBy, fastRetry, pinged, ponged, withBuses } from "./conformance_shared.ts";
import type { BusHarness, CaseRegistrar } from "./conformance_shared.ts";

export function failureCases(harness: BusHarness, test: CaseRegistrar, scale: number): void {
  test("a throwing handler is retried with backoff, attempt counted", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open();
      const attempts: number[] = [];
      const times: number[] = [];
      await bus.subscribe("flaky", [pinged], (_e, info) => {
        attempts.push(info.attempt);
        times.push(Date.now());
        if (info.attempt < 3) throw new Error("not yet");
      }, { backoff: (attempt) => attempt * 100 });
      await bus.publish(pinged, { n: 1 });
      await waitFor(() => attempts.length === 3);
      await delay(150);
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.ok(times[1]! - times[0]! >= 90, `first retry waited ${times[1]! - times[0]!} ms`);
      assert.ok(times[2]! - times[1]! >= 190, `second retry waited ${times[2]! - times[1]!} ms`);
      assert.deepEqual(await bus.deadLetters.list(), []);
    });
  });

  test("a handler that meets broker trouble runs again as the same attempt, past maxDeliver", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open();
      const attempts: number[] = [];
      await bus.subscribe("outage", [pinged], (_e, info) => {
        attempts.push(info.attempt);
        // What ioredis throws while a store's Redis is stalled: not the message's fault.
        if (attempts.length <= 3) throw new Error("Command timed out");
        if (attempts.length === 4) throw new Error("a real failure counts");
      }, { maxDeliver: 2, ...fastRetry });
      await bus.publish(pinged, { n: 1 });
      await waitFor(() => attempts.length === 5, { timeoutMs: 15_000 });
      await delay(150);
      assert.deepEqual(attempts, [1, 1, 1, 1, 2]);
      assert.deepEqual(await bus.deadLetters.list(), []);
    });
  });

  test("after maxDeliver failures the message is dead-lettered with its error, then replayed", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open();
      let failing = true;
      const calls: Envelope[] = [];
      const other: string[] = [];
      await bus.subscribe("doomed", [pinged], (e) => {
        calls.push(e);
        if (failing) throw new Error("stock service exploded");
      }, { maxDeliver: 3, ...fastRetry });
      await bus.subscribe("bystander", [pinged], (e) => {
        other.push(e.id);
      });
      const sent = await bus.publish(pinged, { n: 7 });
      const dead = await waitFor(async () => {
        const list = await bus.deadLetters.list("doomed");
        return list.length === 1 ? list[0] : null;
      });
      assert.equal(calls.length, 3);
      assert.equal(dead.group, "doomed");
      assert.equal(dead.attempts, 3);
      assert.equal(dead.envelope?.id, sent.id);
      assert.deepEqual(dead.envelope?.data, { n: 7 });
      assert.match(dead.error, /stock service exploded/);
      assert.deepEqual(await bus.deadLetters.list("bystander"), []);

      failing = false;
      assert.equal(await bus.deadLetters.replay(dead.id), true);
      await waitFor(() => calls.length === 4);
      assert.equal(calls[3]!.id, sent.id);
      await waitFor(async () => (await bus.deadLetters.list()).length === 0);
      assert.equal(await bus.deadLetters.replay(dead.id), false, "a replayed letter is gone");
      await delay(100);
      assert.deepEqual(other, [sent.id], "replay goes to the failing group only");
    });
  });

  test("replayAll() sends every dead letter of a group back", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open();
      let failing = true;
      const ok: number[] = [];
      await bus.subscribe("batch", [pinged], (e) => {
        if (failing) throw new Error("down");
        ok.push((e.data as { n: number }).n);
      }, { maxDeliver: 1, ...fastRetry });
      for (let n = 0; n < 5; n++) await bus.publish(pinged, { n });
      await waitFor(async () => (await bus.deadLetters.list("batch")).length === 5);
      assert.equal((await bus.deadLetters.list("batch", 2)).length, 2, "limit is honoured");
      failing = false;
      assert.equal(await bus.deadLetters.replayAll("batch"), 5);
      await waitFor(() => ok.length === 5);
      assert.deepEqual(ok.sort(), [0, 1, 2, 3, 4]);
      assert.deepEqual(await bus.deadLetters.list("batch"), []);
    });
  });

  test("a malformed message is dead-lettered and the consumer goes on", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open();
      const seen: number[] = [];
      await bus.subscribe("strict", [pinged], (e) => {
        seen.push((e.data as { n: number }).n);
      }, fastRetry);
      // Valid envelope, invalid data: publishEnvelope skips the publisher's check.
      await bus.publishEnvelope({
        id: crypto.randomUUID(),
        type: "test.pinged",
        source: "rogue",
        time: new Date().toISOString(),
        data: { n: "seven" },
        correlation_id: "c",
        causation_id: null,
        traceparent: null,
      });
      await bus.publish(pinged, { n: 1 });
      await waitFor(() => seen.length === 1);
      const dead = await waitFor(async () => {
        const list = await bus.deadLetters.list("strict");
        return list.length === 1 ? list[0] : null;
      });
      assert.match(dead.error, /failed validation/);
      assert.equal(dead.envelope?.source, "rogue");
      assert.deepEqual(seen, [1]);
    });
  });

  test("text that is not an envelope is dead-lettered raw and the consumer goes on", async () => {
    const namespace = uniqueName("ns");
    const bus = await harness.create("test", namespace);
    try {
      const seen: number[] = [];
      await bus.subscribe("strict", [pinged], (e) => {
        seen.push((e.data as { n: number }).n);
      }, fastRetry);
      await harness.injectRaw(namespace, "test.pinged", "{not json");
      await bus.publish(pinged, { n: 2 });
      await waitFor(() => seen.length === 1);
      const dead = await waitFor(async () => {
        const list = await bus.deadLetters.list("strict");
        return list.length === 1 ? list[0] : null;
      });
      assert.equal(dead.envelope, null);
      assert.equal(dead.raw, "{not json");
      assert.match(dead.error, /not JSON/);
      assert.equal(await bus.deadLetters.replay(dead.id), false, "raw text cannot be replayed");
    } finally {
      await bus.close();
    }
  });

  test("a handler that hangs past the ack deadline gets the message again", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open();
      const attempts: number[] = [];
      let release!: () => void;
      const hang = new Promise<void>((resolve) => release = resolve);
      await bus.subscribe("slow", [pinged], async (_e, info) => {
        attempts.push(info.attempt);
        if (info.attempt === 1) await hang;
      }, { ackDeadlineMs: 300 * scale, ...fastRetry });
      await bus.publish(pinged, { n: 1 });
      await waitFor(() => attempts.length === 2, { timeoutMs: 5_000 * scale });
      assert.deepEqual(attempts, [1, 2]);
      release();
    });
  });

  test("messages held by a consumer that dies go to another member after the ack deadline", async () => {
    await withBuses(harness, async (open) => {
      const publisher = await open();
      const dying = await open();
      const survivor = await open();
      const held: string[] = [];
      const rescued: string[] = [];
      let release!: () => void;
      const hang = new Promise<void>((resolve) => release = resolve);
      const options = { ackDeadlineMs: 400 * scale, maxInFlight: 10, ...fastRetry };
      const dyingSub: Subscription = await dying.subscribe("pair", [pinged], async (e) => {
        held.push(e.id);
        await hang;
      }, options);
      const ids: string[] = [];
      for (let n = 0; n < 5; n++) ids.push((await publisher.publish(pinged, { n })).id);
      await waitFor(() => held.length === 5);
      // The holder dies: close gives up on its handlers at once, acking nothing.
      await dyingSub.close({ graceMs: 0 });
      await survivor.subscribe("pair", [pinged], (e) => {
        rescued.push(e.id);
      }, options);
      await waitFor(() => rescued.length >= 5, { timeoutMs: 10_000 * scale });
      assert.deepEqual(new Set(rescued), new Set(ids));
      release();
    });
  });

  test("close() lets in-flight handlers finish and acks them", async () => {
    await withBuses(harness, async (open) => {
      const publisher = await open();
      const first = await open();
      const started: string[] = [];
      const finished: string[] = [];
      const options = { ackDeadlineMs: 300 * scale, maxInFlight: 10 };
      await first.subscribe("graceful", [pinged], async (e) => {
        started.push(e.id);
        await delay(200);
        finished.push(e.id);
      }, options);
      for (let n = 0; n < 5; n++) await publisher.publish(pinged, { n });
      await waitFor(() => started.length === 5);
      await first.close();
      assert.equal(finished.length, 5, "close() waited for every handler");
      const again: string[] = [];
      const second = await open();
      await second.subscribe("graceful", [pinged], (e) => {
        again.push(e.id);
      }, options);
      await delay(900 * scale);
      assert.deepEqual(again, [], "acknowledged messages are not redelivered");
    });
  });

  test("the consumer's handler continues the publisher's trace", async () => {
    await withBuses(harness, async (open) => {
      const bus = await open();
      const chain: Envelope[] = [];
      await bus.subscribe("tracer", [pinged], async (e) => {
        chain.push(e);
        await bus.publish(ponged, { n: 1, note: "caused" }, {
          correlationId: e.correlation_id,
          causationId: e.id,
        });
      });
      await bus.subscribe("tracer2", [ponged], (e) => {
        chain.push(e);
      });
      const origin = await bus.publish(pinged, { n: 0 });
      await waitFor(() => chain.length === 2);
      const traceId = (tp: string | null) => tp?.split("-")[1];
      assert.equal(traceId(chain[1]!.traceparent), traceId(origin.traceparent));
      assert.equal(chain[1]!.correlation_id, origin.id);
      assert.equal(chain[1]!.causation_id, origin.id);
    });
  });

  test("10,000 messages: none lost, none duplicated, in each group", async () => {
    await withBuses(harness, async (open) => {
      const publisher = await open();
      const total = 10_000;
      const solo: string[] = [];
      const shared: string[] = [];
      const [x, y] = [await open(), await open()];
      await x!.subscribe("solo", [pinged], (e) => {
        solo.push(e.id);
      });
      await x!.subscribe("shared", [pinged], (e) => {
        shared.push(e.id);
      });
      await y!.subscribe("shared", [pinged], (e) => {
        shared.push(e.id);
      });
      const sent: Promise<Envelope>[] = [];
      for (let n = 0; n < total; n++) {
        sent.push(publisher.publish(pinged, { n }));
        if (sent.length % 500 === 0) await Promise.all(sent.slice(-500));
      }
      const ids = new Set((await Promise.all(sent)).map((e) => e.id));
      await waitFor(() => solo.length >= total && shared.length >= total, {
        timeoutMs: 60_000,
        message: "all messages handled",
      });
      await delay(200);
      for (const [name, list] of [["solo", solo], ["shared", shared]] as const) {
        const dupes = [...countBy(list)].filter(([, c]) => c > 1);
        assert.equal(dupes.length, 0, `${name}: ${dupes.length} duplicated`);
        assert.equal(list.length, total, `${name}: handled ${list.length}`);
        assert.deepEqual(new Set(list), ids);
      }
    });
  });
}
