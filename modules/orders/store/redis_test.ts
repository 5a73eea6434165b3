import assert from "node:assert/strict";
import { createEnvelope } from "../../../bus/envelope.ts";
import type { RedisClient } from "../../../lib/redis_client.ts";
import { RedisOutbox } from "../../../lib/redis_outbox.ts";
import { stockReleaseRequested } from "../events.ts";
import { keyspaceTest, openKeyspace, type TestKeyspace } from "../../../testing/redis.ts";
import { serviceUrl } from "../../../testing/services.ts";
import {
  redisBusStoreOf,
  RedisClusterStores,
  redisStoreHarness,
} from "../../../testing/store_suite.ts";
import {
  runIdempotencyExpiryConformance,
  runOrderStoreConformance,
  SHORT_IDEMPOTENCY_TTL_MS,
} from "../../../testing/modules/orders/store_conformance.ts";
import { delay, waitFor } from "../../../testing/wait.ts";
import { newOrder } from "../domain/place.ts";
import { RedisOrderStore } from "./redis.ts";

const url = serviceUrl("REDIS_URL");

/** A new pending order of one line, placed now. */
function aPendingOrder() {
  return newOrder({
    id: `ord_${crypto.randomUUID()}`,
    customer_id: "cus_1",
    items: [{ product_id: "p1", quantity: 1 }],
    correlation_id: "c",
    traceparent: null,
  }, { now: Date.now(), feeBps: 0, stepTimeoutMs: 1_000 });
}

runOrderStoreConformance(
  redisStoreHarness(url, ({ redis, keyPrefix }) => ({
    store: new RedisOrderStore(redis, keyPrefix),
  })),
);
runOrderStoreConformance(
  redisBusStoreOf(
    url,
    (redis, keyPrefix, streams) => new RedisOrderStore(redis, keyPrefix, undefined, streams),
  ),
);
runIdempotencyExpiryConformance(
  redisStoreHarness(url, ({ redis, keyPrefix }) => ({
    store: new RedisOrderStore(redis, keyPrefix, SHORT_IDEMPOTENCY_TTL_MS),
  })),
);

const onCluster = new RedisClusterStores("redis order store on a private Redis Cluster");
runOrderStoreConformance(onCluster.storeOf(RedisOrderStore));
runIdempotencyExpiryConformance(
  onCluster.harness(({ redis, keyPrefix }) => ({
    store: new RedisOrderStore(redis, keyPrefix, SHORT_IDEMPOTENCY_TTL_MS),
  })),
);

Deno.test({
  name: "redis order store: one process at a time relays the shared outbox",
  ignore: url === null,
  fn: async () => {
    const { redis, keyPrefix, close } = await openKeyspace(url!);
    try {
      const one = new RedisOrderStore(redis, keyPrefix);
      const two = new RedisOrderStore(redis, keyPrefix);
      const event = createEnvelope("orders", stockReleaseRequested, { order_id: "ord_1" });
      await redis.xadd(one.outbox.key, "*", "e", RedisOutbox.encode(event));
      assert.deepEqual((await one.outbox.peek(10)).map((e) => e.envelope), [event]);
      assert.deepEqual(await two.outbox.peek(10), [], "the other process waits");
      await one.close();
      assert.deepEqual((await two.outbox.peek(10)).map((e) => e.envelope), [event]);
      assert.deepEqual(await one.outbox.peek(10), [], "and now the first one waits");
    } finally {
      await close();
    }
  },
});

/** Two processes on one keyspace: each hears the other's updates and not its own. */
async function heardByTheOther({ redis, keyPrefix, connect }: TestKeyspace<RedisClient>) {
  const here = new RedisOrderStore(redis, keyPrefix);
  const there = new RedisOrderStore(await connect(), keyPrefix);
  const heard: string[] = [];
  const watching = await here.watchOthers((id) => heard.push(id));
  try {
    const order = aPendingOrder();
    await here.create(order, []);
    const mine = await here.update({ ...order, status: "reserved" }, order.version, []);
    assert.ok(mine);
    const theirs = await there.update({ ...mine, status: "paid" }, mine.version, []);
    assert.ok(theirs);
    // Pub/sub answers in a millisecond; the bound is for a loaded CI machine only.
    await waitFor(() => heard.length > 0, {
      timeoutMs: 10_000,
      message: "the other's update heard",
    });
    await delay(100);
    assert.deepEqual(heard, [order.id], "one poke, for the other store's write only");
  } finally {
    await watching.close();
  }
}

keyspaceTest(
  "redis order store: another process's update is heard at once, its own is not",
  heardByTheOther,
);
onCluster.test(
  "redis cluster order store: another process's update is heard at once, its own is not",
  heardByTheOther,
);

onCluster.test(
  "redis cluster order store: updates announce even when nobody seemed to listen",
  async ({ redis, keyPrefix, connect }) => {
    // A PUBLISH's reply counts one node's subscribers only: it cannot tell that nobody listens.
    const store = new RedisOrderStore(redis, keyPrefix);
    const listener = await connect();
    const heard: string[] = [];
    let order = aPendingOrder();
    await store.create(order, []);
    order = (await store.update({ ...order }, order.version, []))!; // heard by nobody
    listener.on("message", (_channel: string, message: string) => heard.push(message));
    await listener.subscribe(`${keyPrefix}{orders}:changed`);
    order = (await store.update({ ...order }, order.version, []))!;
    assert.ok(order);
    await waitFor(() => heard.length > 0, { timeoutMs: 5_000, message: "the update announced" });
  },
);

Deno.test({
  name: "redis order store: with nobody else listening, updates announce nothing for a second",
  ignore: url === null,
  fn: async () => {
    const { redis, keyPrefix, connect, close } = await openKeyspace(url!);
    const store = new RedisOrderStore(redis, keyPrefix);
    const listener = await connect();
    const heard: string[] = [];
    try {
      let order = aPendingOrder();
      await store.create(order, []);
      const next = async () => {
        order = (await store.update({ ...order }, order.version, []))!;
        assert.ok(order);
      };
      await next(); // announced to nobody: quiet from now on
      const quietFrom = performance.now();
      listener.on("message", (_channel: string, message: string) => heard.push(message));
      await listener.subscribe(`${keyPrefix}{orders}:changed`);
      await next();
      await delay(100);
      // (A machine that stalled past the second rightly asked again.)
      if (performance.now() - quietFrom < 1_000) assert.deepEqual(heard, [], "quiet");
      await waitFor(async () => {
        await next();
        return heard.length > 0;
      }, { timeoutMs: 5_000, intervalMs: 200, message: "announcing again" });
    } finally {
      await close();
    }
  },
});
