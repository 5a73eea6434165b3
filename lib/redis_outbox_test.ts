import assert from "node:assert/strict";
import { ProxyTracerProvider, trace } from "@opentelemetry/api";
import type { Redis } from "ioredis";
import { RedisKeys } from "../bus/redis/keys.ts";
import { z } from "zod";
import { createEnvelope } from "../bus/envelope.ts";
import { RedisBus } from "../bus/redis/bus.ts";
import { type Envelope, tracingOff } from "../bus/mod.ts";
import { defineEvent } from "../bus/types.ts";
import { connectRedis, deleteKeys, keyspaceTest } from "../testing/redis.ts";
import { serviceUrl, uniqueName } from "../testing/services.ts";
import { waitFor } from "../testing/wait.ts";
import { silentLogger } from "./logger.ts";
import { OutboxRelay } from "./outbox.ts";
import { LuaScript } from "./redis_script.ts";
import { type BusStreams, DIRECT_LOOK_MS, RedisOutbox, StoreOutbox } from "./redis_outbox.ts";

const numbered = defineEvent("test.numbered", z.object({ n: z.number().int() }));

/** A store's write: a counter bumped and its event appended, in one script. KEYS: counter, stream. */
const WRITE = new LuaScript(`
redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], '*', 'e', ARGV[1])
`);

async function write(
  redis: Redis,
  outbox: StoreOutbox,
  counter: string,
  envelope: Envelope,
): Promise<void> {
  const route = outbox.route();
  await WRITE.run(redis, [counter, route.keyOf(envelope.type)], [RedisOutbox.encode(envelope)]);
  route.written();
}

/** Streams that record what they were told, each type its own stream under `prefix`. */
function recordedStreams(prefix: string): BusStreams & { appendedTo: string[] } {
  const appendedTo: string[] = [];
  return {
    streamOf: (type) => `${prefix}stream:${type}`,
    appended: (stream) => appendedTo.push(stream),
    appendedTo,
  };
}

/** Runs `body` with a tracer provider registered (tracing on), then none again. */
async function traced(body: () => Promise<void>): Promise<void> {
  const provider = new ProxyTracerProvider().getDelegate();
  // Any provider but the no-op delegate itself counts as tracing on.
  trace.setGlobalTracerProvider({ getTracer: (name) => provider.getTracer(name) });
  try {
    assert.equal(tracingOff(), false);
    await body();
  } finally {
    trace.disable();
  }
}

keyspaceTest(
  "StoreOutbox: with the bus's streams and tracing off, a write's event goes into its type's stream",
  async ({ redis, keyPrefix }) => {
    const streams = recordedStreams(keyPrefix);
    const outbox = new StoreOutbox(redis, `${keyPrefix}outbox`, streams);
    const event = createEnvelope("test", numbered, { n: 1 });
    await write(redis, outbox, `${keyPrefix}counter`, event);
    const stream = streams.streamOf(event.type);
    const [[, fields]] = await redis.xrange(stream, "-", "+") as [[string, string[]]];
    assert.deepEqual(fields, ["e", RedisOutbox.encode(event)]);
    assert.equal(await redis.get(`${keyPrefix}counter`), "1");
    assert.equal(await redis.exists(outbox.key), 0, "nothing in the outbox");
    assert.deepEqual(streams.appendedTo, [stream], "the bus heard of it, to trim in due course");
  },
);

keyspaceTest(
  "StoreOutbox: with tracing on, events go to the outbox, whose relay opens their publish spans",
  async ({ redis, keyPrefix }) => {
    const streams = recordedStreams(keyPrefix);
    const outbox = new StoreOutbox(redis, `${keyPrefix}outbox`, streams);
    const event = createEnvelope("test", numbered, { n: 2 });
    await traced(async () => {
      await write(redis, outbox, `${keyPrefix}counter`, event);
      assert.deepEqual((await outbox.peek(10)).map((entry) => entry.envelope), [event]);
    });
    assert.equal(await redis.exists(streams.streamOf(event.type)), 0);
    assert.deepEqual(streams.appendedTo, []);
  },
);

keyspaceTest(
  "StoreOutbox: without the bus's streams (another server, or NATS) events go to the outbox",
  async ({ redis, keyPrefix }) => {
    const outbox = new StoreOutbox(redis, `${keyPrefix}outbox`);
    const event = createEnvelope("test", numbered, { n: 3 });
    await write(redis, outbox, `${keyPrefix}counter`, event);
    assert.deepEqual((await outbox.peek(10)).map((entry) => entry.envelope), [event]);
  },
);

keyspaceTest(
  "StoreOutbox: writing straight to the bus, peek() looks at the outbox once a second, " +
    "and at once after a write that went to it",
  async ({ redis, keyPrefix }) => {
    const outbox = new StoreOutbox(redis, `${keyPrefix}outbox`, recordedStreams(keyPrefix));
    // Another process (one that traces) left an entry in the shared outbox.
    const left = createEnvelope("test", numbered, { n: 4 });
    await redis.xadd(outbox.key, "*", "e", RedisOutbox.encode(left));
    const firstLook = performance.now();
    assert.deepEqual((await outbox.peek(10)).map((e) => e.envelope), [left], "the first look");
    await outbox.remove((await redis.xrange(outbox.key, "-", "+")).map(([id]) => id));
    const later = createEnvelope("test", numbered, { n: 5 });
    await redis.xadd(outbox.key, "*", "e", RedisOutbox.encode(later));
    const again = await outbox.peek(10);
    // (A machine that stalled past the interval looked again, rightly.)
    if (performance.now() - firstLook < DIRECT_LOOK_MS) {
      assert.deepEqual(again, [], "not looked at again so soon");
    }
    const mine = createEnvelope("test", numbered, { n: 6 });
    await traced(() => write(redis, outbox, `${keyPrefix}counter`, mine));
    assert.deepEqual(
      (await outbox.peek(10)).map((e) => e.envelope),
      [later, mine],
      "a write of its own to the outbox: looked at at once",
    );
    await outbox.remove((await redis.xrange(outbox.key, "-", "+")).map(([id]) => id));
    const third = createEnvelope("test", numbered, { n: 7 });
    await redis.xadd(outbox.key, "*", "e", RedisOutbox.encode(third));
    const seen = await waitFor(async () => {
      const entries = await outbox.peek(10);
      return entries.length ? entries : null;
    }, { timeoutMs: DIRECT_LOOK_MS * 3, message: "the once-a-second look" });
    assert.deepEqual(seen.map((e) => e.envelope), [third]);
  },
);

const url = serviceUrl("REDIS_URL");

Deno.test({
  name: "StoreOutbox on a RedisBus's streams: a subscriber gets the write's event with no relay, " +
    "and the bus trims the stream it was appended to",
  ignore: url === null,
  async fn() {
    const namespace = uniqueName("direct");
    const bus = await RedisBus.connect(url!, {
      source: "test",
      namespace,
      retention: 5,
      log: silentLogger,
    });
    const keyPrefix = `${uniqueName("k")}:`;
    const redis = await connectRedis(url!);
    const got: number[] = [];
    try {
      const subscription = await bus.subscribe("direct-test", [numbered], (envelope) => {
        got.push((envelope.data as { n: number }).n);
      });
      const outbox = new StoreOutbox(redis, `${keyPrefix}outbox`, bus.streams);
      // Nothing relays: were the events in the outbox, nobody would publish them.
      const relay = new OutboxRelay(outbox, bus, silentLogger, { intervalMs: 60_000 });
      for (let n = 0; n < 20; n++) {
        await write(redis, outbox, `${keyPrefix}counter`, createEnvelope("test", numbered, { n }));
      }
      await waitFor(() => got.length === 20, { message: "every event handled" });
      assert.deepEqual(got, Array.from({ length: 20 }, (_, n) => n));
      assert.equal(await redis.exists(outbox.key), 0);
      const stream = bus.streams.streamOf(numbered.type);
      // Handled and acked, so only the retention bound (5) holds the trim back.
      await waitFor(async () => {
        await write(
          redis,
          outbox,
          `${keyPrefix}counter`,
          createEnvelope("test", numbered, { n: 99 }),
        );
        return (await redis.xlen(stream)) <= 10;
      }, { message: "the stream trimmed", intervalMs: 300 });
      await relay.stop();
      await subscription.close();
    } finally {
      await bus.close();
      await deleteKeys(redis, new RedisKeys(namespace).prefix);
      await deleteKeys(redis, keyPrefix);
      await redis.quit();
    }
  },
});

keyspaceTest(
  "StoreOutbox: a write whose process died before relaying it is published by the next one",
  async ({ redis, keyPrefix, connect }) => {
    const key = `${keyPrefix}outbox`;
    // The first process writes (to its outbox: no bus streams) and dies before its relay runs.
    const event = createEnvelope("test", numbered, { n: 8 });
    await write(redis, new StoreOutbox(redis, key), `${keyPrefix}counter`, event);
    assert.equal(await redis.get(`${keyPrefix}counter`), "1", "the state change is in");
    // The next process of the module starts its relay, on whatever bus it has.
    const published: Envelope[] = [];
    const bus = {
      kind: "recording",
      publishEnvelope: (envelope: Envelope) => Promise.resolve(void published.push(envelope)),
    };
    const next = await connect();
    const relay = new OutboxRelay(new StoreOutbox(next, key), bus, silentLogger);
    relay.start();
    relay.wake();
    try {
      await waitFor(() => published.length === 1, { message: "the left event published" });
      assert.equal(published[0]!.id, event.id);
      await waitFor(async () => (await redis.xlen(key)) === 0, { message: "and removed" });
    } finally {
      await relay.stop();
    }
  },
);
