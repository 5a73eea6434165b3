import assert from "node:assert/strict";
import type { RedisClient } from "../../../lib/redis_client.ts";
import { keyspaceTest, type TestKeyspace } from "../../../testing/redis.ts";
import { serviceUrl } from "../../../testing/services.ts";
import {
  redisBusStoreOf,
  RedisClusterStores,
  redisStoreHarness,
} from "../../../testing/store_suite.ts";
import { runStoreConformance } from "../../../testing/modules/inventory/store_conformance.ts";
import { RedisInventoryStore } from "./redis.ts";

const url = serviceUrl("REDIS_URL");

runStoreConformance(
  redisStoreHarness(url, ({ redis, keyPrefix, connect }) => ({
    store: new RedisInventoryStore(redis, keyPrefix),
    peer: async () => new RedisInventoryStore(await connect(), keyPrefix),
  })),
);
runStoreConformance(
  redisBusStoreOf(
    url,
    (redis, keyPrefix, streams) => new RedisInventoryStore(redis, keyPrefix, streams),
  ),
);

const onCluster = new RedisClusterStores("redis inventory store on a private Redis Cluster");
runStoreConformance(
  onCluster.harness(({ redis, keyPrefix, connect }) => ({
    store: new RedisInventoryStore(redis, keyPrefix),
    peer: async () => new RedisInventoryStore(await connect(), keyPrefix),
  })),
);

/** A reservation held by one process, committed and returned by another. */
async function finishedByAnother(keyspace: TestKeyspace<RedisClient>): Promise<void> {
  const here = new RedisInventoryStore(keyspace.redis, keyspace.keyPrefix);
  const there = new RedisInventoryStore(await keyspace.connect(), keyspace.keyPrefix);
  const teapot = await here.createProduct({ name: "Teapot", price: 1250, stock: 10 });
  const cup = await here.createProduct({ name: "Cup", price: 300, stock: 10 });
  const lines = [{ product_id: teapot.id, quantity: 2 }, { product_id: cup.id, quantity: 3 }];
  assert.equal((await here.reserve("ord-1", lines)).state, "held");
  // `there` has no lines for ord-1: its first try is answered with them, and it goes on.
  assert.equal((await there.commit("ord-1"))?.state, "committed");
  assert.deepEqual(await there.ledger(teapot.id), {
    received: 10,
    stock: 8,
    reserved: 0,
    sold: 2,
  });
  assert.equal((await there.release("ord-1")).state, "returned");
  assert.deepEqual(await here.ledger(cup.id), { received: 10, stock: 10, reserved: 0, sold: 0 });
  const related = await here.related(teapot.id, 5);
  assert.deepEqual(related?.map((product) => product.id), [cup.id], "bought together once");
}

keyspaceTest(
  "redis inventory store: a process that never saw the reservation commits and returns it",
  finishedByAnother,
);
onCluster.test(
  "redis cluster inventory store: a process that never saw the reservation commits and returns it",
  finishedByAnother,
);
