/**
 * What only the Redis adapter does, beyond the shared conformance suite.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { pinged } from "../../testing/bus/conformance.ts";
import { adapterLogger, resolveOptions } from "../defaults.ts";
import { serviceUrl, uniqueName } from "../../testing/services.ts";
import { waitFor } from "../../testing/wait.ts";
import { RedisBus } from "./bus.ts";
import { deleteKeys } from "../../testing/bus/redis_cleanup.ts";
import { openServerConnection } from "./connection.ts";
import { RedisKeys } from "./keys.ts";
import { ReadConnection } from "./read_connection.ts";
import { RedisSubscription } from "./subscription.ts";

const url = serviceUrl("REDIS_URL");

/** A bus and a plain client on a fresh namespace, both closed and the keys deleted afterwards. */
async function withRedisBus(
  body: (bus: RedisBus, redis: Redis, keys: RedisKeys) => Promise<void>,
): Promise<void> {
  const namespace = uniqueName("ns");
  const keys = new RedisKeys(namespace);
  const bus = await RedisBus.connect(url!, { source: "test", namespace });
  const redis = new Redis(url!);
  try {
    await body(bus, redis, keys);
  } finally {
    await bus.close({ graceMs: 0 });
    await redis.quit();
    await deleteKeys(url!, [keys.prefix]);
  }
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `RedisBus ${name}`, ignore: url === null, fn });

test("dead-letters a stream entry without an envelope field as raw text", async () => {
  await withRedisBus(async (bus, redis, keys) => {
    const seen: number[] = [];
    await bus.subscribe("strict", [pinged], (e) => {
      seen.push((e.data as { n: number }).n);
    });
    await redis.xadd(keys.stream(pinged.type), "*", "body", "hello");
    await bus.publish(pinged, { n: 1 });
    const [dead] = await waitFor(async () => {
      const list = await bus.deadLetters.list("strict");
      return list.length === 1 ? list : null;
    });
    assert.equal(dead!.envelope, null);
    assert.equal(dead!.raw, '["body","hello"]');
    assert.match(dead!.error, /no "e" field/);
    await waitFor(() => seen.length === 1);
  });
});

test("recreates its group when the stream vanished (a Redis restart without data)", async () => {
  await withRedisBus(async (bus, redis, keys) => {
    const seen: number[] = [];
    await bus.subscribe("phoenix", [pinged], (e) => {
      seen.push((e.data as { n: number }).n);
    });
    await bus.publish(pinged, { n: 1 });
    await waitFor(() => seen.length === 1);
    const streams = [keys.stream(pinged.type), keys.direct("phoenix")].sort();
    assert.deepEqual((await redis.smembers(keys.reads("phoenix"))).sort(), streams);
    await redis.del(...streams, keys.reads("phoenix"));
    await bus.publish(pinged, { n: 2 });
    await waitFor(() => seen.length === 2, { message: "delivery after the group was recreated" });
    assert.deepEqual(seen, [1, 2]);
    // backlog() finds the group's streams again.
    assert.deepEqual((await redis.smembers(keys.reads("phoenix"))).sort(), streams);
  });
});

test("close() hands a message waiting for its retry back to the group at once", async () => {
  await withRedisBus(async (bus) => {
    const failed: number[] = [];
    const holder = await bus.subscribe("relay", [pinged], (_e, info) => {
      failed.push(info.attempt);
      throw new Error("not now");
    }, { backoff: () => 60_000 });
    await bus.publish(pinged, { n: 1 });
    await waitFor(() => failed.length === 1);
    await holder.close({ graceMs: 0 });
    const taken: number[] = [];
    await bus.subscribe("relay", [pinged], (_e, info) => {
      taken.push(info.attempt);
    }, { ackDeadlineMs: 60_000 });
    await waitFor(() => taken.length === 1, {
      timeoutMs: 2_000,
      message: "the handed-back message was taken long before its ack deadline",
    });
    assert.deepEqual(taken, [2], "the failed attempt still counts");
  });
});

test("close() removes its consumer from the group when it holds nothing", async () => {
  await withRedisBus(async (bus, redis, keys) => {
    const subscription = await bus.subscribe("tidy", [pinged], () => {});
    await bus.publish(pinged, { n: 1 });
    await waitFor(async () => (await pendingCount(keys, "tidy")) === 0);
    const consumers = () => redis.xinfo("CONSUMERS", keys.stream(pinged.type), "tidy");
    assert.equal((await consumers() as unknown[]).length, 1);
    await subscription.close();
    assert.deepEqual(await consumers(), []);
  });
});

test("the sweep deletes a dead consumer once its messages were taken over, not before", async () => {
  await withRedisBus(async (bus, redis, keys) => {
    const stream = keys.stream(pinged.type);
    await redis.xgroup("CREATE", stream, "reaper", "0", "MKSTREAM");
    await bus.publish(pinged, { n: 1 });
    await bus.publish(pinged, { n: 2 });
    // Two processes killed long ago: one holding both messages, one holding nothing.
    await redis.xreadgroup("GROUP", "reaper", "ghost-holding", "COUNT", 10, "STREAMS", stream, ">");
    await redis.xgroup("CREATECONSUMER", stream, "reaper", "ghost-empty");
    const consumers = async () =>
      new Map(
        (await redis.xinfo("CONSUMERS", stream, "reaper") as unknown[][]).map((info) => [
          info[1] as string,
          info[3] as number,
        ]),
      );
    assert.deepEqual(await consumers(), new Map([["ghost-holding", 2], ["ghost-empty", 0]]));

    const handled: Array<[number, number]> = [];
    // An ack deadline far longer than the dead-consumer idle time, so the
    // holding ghost is idle enough to be deleted long before it is claimed.
    const survivor = await RedisSubscription.start(
      "reaper",
      [pinged],
      (e, info) => {
        handled.push([(e.data as { n: number }).n, info.attempt]);
      },
      resolveOptions({ ackDeadlineMs: 1_000 }),
      {
        commands: redis,
        reader: ReadConnection.onServer(
          await openServerConnection(url!, `${keys.prefix}survivor`, {}),
          redis,
        ),
        deadLetters: bus.deadLetters,
        streams: [stream, keys.direct("reaper")],
        reads: keys.reads("reaper"),
        consumer: "survivor",
        log: adapterLogger("redis"),
        deadConsumerIdleMs: 100,
      },
    );
    try {
      await waitFor(async () => !(await consumers()).has("ghost-empty"), {
        message: "the ghost holding nothing was deleted",
      });
      assert.equal((await consumers()).get("ghost-holding"), 2, "a ghost holding messages stays");
      assert.deepEqual(handled, [], "nothing was claimed yet");

      await waitFor(() => handled.length === 2, { message: "the survivor took both over" });
      assert.deepEqual(handled.sort(), [[1, 2], [2, 2]]);
      await waitFor(async () => !(await consumers()).has("ghost-holding"), {
        message: "the ghost was deleted once it held nothing",
      });
      assert.equal((await consumers()).has("survivor"), true, "the sweeper keeps its own");
    } finally {
      await survivor.close();
    }
  });
});

async function pendingCount(keys: RedisKeys, group: string): Promise<number> {
  const redis = new Redis(url!);
  try {
    const [count] = await redis.xpending(keys.stream(pinged.type), group) as [number];
    return count;
  } finally {
    await redis.quit();
  }
}
