import assert from "node:assert/strict";
import type { RedisClient } from "../../../lib/redis_client.ts";
import { keyspaceTest, type TestKeyspace } from "../../../testing/redis.ts";
import { serviceUrl } from "../../../testing/services.ts";
import { RedisClusterStores, redisStoresOf } from "../../../testing/store_suite.ts";
import { runMessagingStoreConformance } from "../../../testing/modules/messaging/store_conformance.ts";
import { RedisMessagingStore } from "./redis.ts";
import { aNotification, createdEventOf } from "../../../testing/modules/messaging/fixtures.ts";

const url = serviceUrl("REDIS_URL");

for (const harness of redisStoresOf(url, RedisMessagingStore)) {
  runMessagingStoreConformance(harness);
}

const onCluster = new RedisClusterStores("redis messaging store on a private Redis Cluster");
runMessagingStoreConformance(onCluster.storeOf(RedisMessagingStore));

/** Three processes recording one order's outcome 30 times at once keep one, and deliver it once. */
async function exactlyOne(keyspace: TestKeyspace<RedisClient>): Promise<void> {
  const connections = [keyspace.redis, await keyspace.connect(), await keyspace.connect()];
  const stores = connections.map((redis) => new RedisMessagingStore(redis, keyspace.keyPrefix));
  const attempt = (store: RedisMessagingStore, i: number) => {
    const notification = aNotification({ id: `ntf-${i}` });
    return store.recordNotification(
      notification,
      {
        order_id: "ord-1",
        customer_id: "cus-1",
        items: [{ product_id: "p", name: null, quantity: 1, unit_price: 5, amount: 5 }],
        subtotal: 5,
        fee: 0,
        total: 5,
        issued_at: notification.created_at,
        customer_name: null,
        customer_email: null,
      },
      createdEventOf(notification),
    );
  };
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) => attempt(stores[i % 3]!, i)),
  );
  assert.equal(results.filter((r) => r !== null).length, 1);
  assert.equal((await stores[1]!.notifications({ limit: 100 })).length, 1);
  assert.equal((await stores[2]!.outbox.peek(100)).length, 1);
  assert.equal((await stores[0]!.invoice("ord-1"))?.number, "INV-000001");
  // Two workers claiming at once never both get the delivery.
  const now = Date.now() + 1000;
  const claims = await Promise.all(
    stores.map((store) => store.claimDeliveries(now, now + 60_000, 10)),
  );
  assert.equal(claims.flat().length, 1);
}

keyspaceTest(
  "redis messaging store: two processes recording one outcome keep exactly one",
  exactlyOne,
);
onCluster.test(
  "redis cluster messaging store: two processes recording one outcome keep exactly one",
  exactlyOne,
);
