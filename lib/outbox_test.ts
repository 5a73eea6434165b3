import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import type { Redis } from "ioredis";
import { z } from "zod";
import { createEnvelope } from "../bus/envelope.ts";
import { type Bus, defineEvent, type Envelope } from "../bus/types.ts";
import { openKeyspace } from "../testing/redis.ts";
import { serviceUrl } from "../testing/services.ts";
import { waitFor } from "../testing/wait.ts";
import { createLogger, silentLogger } from "./logger.ts";
import { MemoryOutbox, type Outbox, type OutboxEntry, OutboxRelay } from "./outbox.ts";
import { LeasedOutbox, RedisOutbox } from "./redis_outbox.ts";

const url = serviceUrl("REDIS_URL");
const numbered = defineEvent("test.numbered", z.object({ n: z.number().int() }));
/** Longer than any test: the relay only runs when woken or stopped. */
const NEVER = 60_000;

function events(count: number, from = 0): Envelope[] {
  return Array.from({ length: count }, (_, i) => createEnvelope("test", numbered, { n: from + i }));
}

const ids = (envelopes: readonly Envelope[]) => envelopes.map((envelope) => envelope.id);

/** A bus that records what it is given; while `down` it refuses everything. */
function recordingBus() {
  const published: Envelope[] = [];
  let refused = 0;
  const bus = {
    kind: "recording",
    down: false,
    publishEnvelope(envelope: Envelope): Promise<void> {
      if (bus.down) {
        refused++;
        return Promise.reject(new Error("The bus is down"));
      }
      published.push(envelope);
      return Promise.resolve();
    },
    published,
    refused: () => refused,
  } satisfies Pick<Bus, "publishEnvelope" | "kind"> & Record<string, unknown>;
  return bus;
}

/** Waits until the relay has emptied `outbox`, then checks the bus got `written` in order. */
async function publishedAll(outbox: Outbox, bus: { published: Envelope[] }, written: Envelope[]) {
  await waitFor(async () => (await outbox.peek(10)).length === 0, { message: "outbox empty" });
  assert.deepEqual(ids(bus.published), ids(written));
}

Deno.test("OutboxRelay publishes a MemoryOutbox's entries in order, removing them", async () => {
  const outbox = new MemoryOutbox();
  const bus = recordingBus();
  const relay = new OutboxRelay(outbox, bus, silentLogger, { intervalMs: NEVER, batch: 2 });
  const written = events(5);
  outbox.append(...written);
  relay.start();
  try {
    relay.wake();
    await publishedAll(outbox, bus, written);
  } finally {
    await relay.stop();
  }
});

Deno.test("OutboxRelay keeps the entries while the bus fails and publishes them once it is back", async () => {
  const written = events(3);
  const outbox = new MemoryOutbox();
  const bus = recordingBus();
  const warnings: string[] = [];
  const log = createLogger("warn", {}, (line) => warnings.push(JSON.parse(line).message));
  const relay = new OutboxRelay(outbox, bus, log, { intervalMs: 10 });
  bus.down = true;
  outbox.append(...written);
  relay.start();
  try {
    relay.wake();
    await waitFor(() => bus.refused() > 0, { message: "a refused publish" });
    assert.deepEqual(ids((await outbox.peek(10)).map((entry) => entry.envelope)), ids(written));
    assert.ok(warnings.includes("Outbox relay could not publish; will retry"), String(warnings));
    bus.down = false;
    await publishedAll(outbox, bus, written);
  } finally {
    await relay.stop();
  }
});

Deno.test("OutboxRelay.stop() publishes what is left, then releases the outbox", async () => {
  const memory = new MemoryOutbox();
  const calls: string[] = [];
  const outbox: Outbox = {
    peek: (limit: number): Promise<OutboxEntry[]> => memory.peek(limit),
    remove: (keys: string[]) => {
      calls.push("remove");
      return memory.remove(keys);
    },
    release: () => {
      calls.push("release");
      return Promise.resolve();
    },
  };
  const bus = recordingBus();
  const relay = new OutboxRelay(outbox, bus, silentLogger, { intervalMs: NEVER });
  const written = events(4);
  memory.append(...written);
  relay.start();
  await relay.stop();
  assert.deepEqual(ids(bus.published), ids(written));
  assert.deepEqual(await memory.peek(10), []);
  assert.deepEqual(calls, ["remove", "release"]);
});

/** One process's view of a module's shared Redis outbox, and the relay over it. */
function processOver(redis: Redis, key: string, leaseMs?: number) {
  const stream = new RedisOutbox(redis, key);
  const outbox = new LeasedOutbox(redis, stream, { leaseMs });
  const bus = recordingBus();
  const relay = new OutboxRelay(outbox, bus, silentLogger);
  const append = async (...envelopes: Envelope[]) => {
    for (const envelope of envelopes) {
      await redis.xadd(key, "*", "e", RedisOutbox.encode(envelope));
    }
    relay.wake();
  };
  return { stream, outbox, bus, relay, append };
}

Deno.test({
  name: "LeasedOutbox: two relays over one Redis outbox publish each entry once; " +
    "the survivor takes over as soon as the holder stops",
  ignore: url === null,
  async fn() {
    const keyspace = await openKeyspace(url!);
    const key = `${keyspace.keyPrefix}module:outbox`;
    const one = processOver(keyspace.redis, key);
    const two = processOver(await keyspace.connect(), key);
    try {
      one.relay.start();
      two.relay.start();
      const written = events(40);
      // Both processes write, and each wakes its own relay.
      for (let i = 0; i < written.length; i += 4) {
        await (i % 8 === 0 ? one : two).append(...written.slice(i, i + 4));
      }
      await waitFor(async () => (await keyspace.redis.xlen(key)) === 0, { message: "all relayed" });
      // Nothing may still be on its way from the other relay.
      await Promise.all([one.relay.stop(), two.relay.stop()]);
      const published = [...one.bus.published, ...two.bus.published];
      assert.deepEqual(ids(published), ids(written), "each entry once, in order");
      const [holder, survivor] = one.bus.published.length ? [one, two] : [two, one];
      assert.equal(holder.bus.published.length, written.length, "one relay did it all");

      // Both run again; the holder of before takes the lease back first.
      holder.relay.start();
      holder.relay.wake();
      await waitFor(async () => (await keyspace.redis.get(holder.outbox.leaseKey)) !== null);
      survivor.relay.start();
      await holder.relay.stop();
      const later = events(5, 100);
      await survivor.append(...later);
      await waitFor(() => survivor.bus.published.length === later.length, {
        message: "the survivor relays",
        // Well inside the lease: it was handed on, not left to lapse.
        timeoutMs: 1_500,
      });
      assert.deepEqual(ids(survivor.bus.published), ids(later));
      assert.equal(holder.bus.published.length, written.length, "the stopped one stays quiet");
    } finally {
      await Promise.all([one.relay.stop(), two.relay.stop()]);
      await keyspace.close();
    }
  },
});

Deno.test({
  name: "LeasedOutbox: a holder that dies keeps the outbox only until its lease lapses",
  ignore: url === null,
  async fn() {
    const keyspace = await openKeyspace(url!);
    const key = `${keyspace.keyPrefix}module:outbox`;
    try {
      const one = processOver(keyspace.redis, key, 100);
      const two = processOver(await keyspace.connect(), key, 100);
      const [event] = events(1);
      await keyspace.redis.xadd(key, "*", "e", RedisOutbox.encode(event!));
      assert.deepEqual(ids((await one.outbox.peek(10)).map((e) => e.envelope)), ids([event!]));
      assert.deepEqual(await two.outbox.peek(10), [], "the holder is alive");
      // `one` dies: it never looks again, nor releases.
      const entries = await waitFor(async () => {
        const seen = await two.outbox.peek(10);
        return seen.length ? seen : null;
      }, { message: "the lease lapses", timeoutMs: 2_000 });
      assert.deepEqual(ids(entries.map((e) => e.envelope)), ids([event!]));
    } finally {
      await keyspace.close();
    }
  },
});

Deno.test("OutboxRelay sends an entry on in the trace it was written in", async () => {
  const outbox = new MemoryOutbox();
  const bus = recordingBus();
  const relay = new OutboxRelay(outbox, bus, silentLogger, { intervalMs: NEVER });
  const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const written = createEnvelope("test", numbered, { n: 1 }, {}, traceparent);
  outbox.append(written);
  relay.start();
  try {
    relay.wake();
    await waitFor(() => bus.published.length === 1, { message: "one publish" });
    const [sent] = bus.published;
    assert.equal(sent!.id, written.id);
    assert.equal(sent!.traceparent?.split("-")[1], "0af7651916cd43dd8448eb211c80319c");
    const probe = trace.getTracer("test").startSpan("probe");
    const traced = probe.isRecording();
    probe.end();
    // Traced (OTEL_DENO=true), the sent one names the relay's publish span; else nothing changes.
    if (!traced) assert.equal(sent!.traceparent, traceparent);
    assert.equal(written.traceparent, traceparent, "the outbox entry keeps its own");
  } finally {
    await relay.stop();
  }
});

Deno.test("On the in-process bus a MemoryOutbox hands each entry over as written, kept ones first", async () => {
  const outbox = new MemoryOutbox();
  const bus = { ...recordingBus(), kind: "memory" };
  const relay = new OutboxRelay(outbox, bus, silentLogger, { intervalMs: NEVER });
  const [kept, written] = [events(2), events(2, 2)];
  outbox.append(...kept);
  relay.start();
  try {
    assert.deepEqual(ids(bus.published), ids(kept), "what a crash left goes first");
    outbox.append(...written);
    assert.deepEqual(ids(bus.published), ids([...kept, ...written]), "no wake, no relay run");
    assert.deepEqual(await outbox.peek(10), []);
  } finally {
    await relay.stop();
  }
  const after = events(1, 4);
  outbox.append(...after);
  assert.deepEqual(
    ids((await outbox.peek(10)).map((e) => e.envelope)),
    ids(after),
    "kept again once stopped",
  );
});
