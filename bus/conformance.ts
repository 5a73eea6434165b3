/**
 * The one conformance suite every bus adapter runs (Hono's `runTest` style):
 * each adapter's test file calls `runBusConformance` with a harness.
 *
 * @module
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { defineEvent } from "./types.ts";
import type { Bus, Envelope, Subscription } from "./types.ts";
import { delay, waitFor } from "../testing/wait.ts";
import { uniqueName } from "../testing/services.ts";
import { ensureTraceContext } from "../testing/trace_context.ts";

export interface BusHarness {
  /** Adapter name, used in test names. */
  name: string;
  /** Null skips the suite (the adapter's server is not configured). */
  available: boolean;
  /** A new, separately connected bus instance on `namespace`. */
  create(source: string, namespace: string): Promise<Bus>;
  /** Puts raw text on the wire for `type`, as a broken publisher would. */
  injectRaw(namespace: string, type: string, raw: string): Promise<void>;
  /** Scales the timing of the slow tests (ack deadlines) for slower brokers. */
  timeScale?: number;
}

export const pinged = defineEvent(
  "test.pinged",
  z.object({ n: z.number().int().nonnegative() }),
);
export const ponged = defineEvent(
  "test.ponged",
  z.object({ n: z.number().int().nonnegative(), note: z.string() }),
);

/** `extra` passes through zod as is (no copy), so only the adapter can keep deliveries apart. */
export const tagged = defineEvent(
  "test.tagged",
  z.object({ tags: z.array(z.string()), extra: z.unknown() }),
);

const fastRetry = { backoff: () => 20 };

/** Opens buses on a fresh namespace and closes them all after the test body. */
async function withBuses(
  harness: BusHarness,
  body: (open: (source?: string) => Promise<Bus>) => Promise<void>,
): Promise<void> {
  const namespace = uniqueName("ns");
  const buses: Bus[] = [];
  const open = async (source = "test") => {
    const bus = await harness.create(source, namespace);
    buses.push(bus);
    return bus;
  };
  try {
    await body(open);
  } finally {
    await Promise.all(buses.map((bus) => bus.close({ graceMs: 200 })));
  }
}

function countBy<T>(values: T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

export function runBusConformance(harness: BusHarness): void {
  ensureTraceContext();
  const scale = harness.timeScale ?? 1;
  const test = (name: string, fn: () => Promise<void>) =>
    Deno.test({
      name: `${harness.name} bus: ${name}`,
      ignore: !harness.available,
      fn,
    });

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
