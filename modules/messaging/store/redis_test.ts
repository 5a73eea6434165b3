import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { outboxEvent } from "../../../lib/outbox.ts";
import { serviceUrl, uniqueName } from "../../../testing/services.ts";
import { notificationCreated } from "../events.ts";
import { runMessagingStoreConformance } from "./conformance.ts";
import { RedisMessagingStore } from "./redis.ts";
import type { Notification } from "./types.ts";

const url = serviceUrl("REDIS_URL");

/** Deletes this run's keys only: the Redis is shared, never FLUSHDB it. */
async function deleteKeys(redis: Redis, keyPrefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${keyPrefix}*`, "COUNT", 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

runMessagingStoreConformance({
  name: "redis",
  available: url !== null,
  async open() {
    const redis = new Redis(url!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const keyPrefix = `${uniqueName("t")}:`;
    return {
      store: new RedisMessagingStore(redis, `${keyPrefix}messaging:`),
      async close() {
        await deleteKeys(redis, keyPrefix);
        await redis.quit();
      },
    };
  },
});

Deno.test({
  name: "redis messaging store: two processes recording one outcome keep exactly one",
  ignore: url === null,
  async fn() {
    const keyPrefix = `${uniqueName("t")}:`;
    const connections = [new Redis(url!), new Redis(url!), new Redis(url!)];
    const stores = connections.map((redis) =>
      new RedisMessagingStore(redis, `${keyPrefix}messaging:`)
    );
    try {
      const attempt = (store: RedisMessagingStore, i: number) => {
        const notification: Notification = {
          id: `ntf-${i}`,
          customer_id: "cus-1",
          order_id: "ord-1",
          kind: "confirmed",
          subject: "s",
          body: "b",
          channel: "log",
          status: "pending",
          created_at: new Date().toISOString(),
          attempts: 0,
          last_error: null,
        };
        return store.recordNotification(
          notification,
          {
            order_id: "ord-1",
            customer_id: "cus-1",
            items: [{ product_id: "p", quantity: 1, unit_price: 5, amount: 5 }],
            subtotal: 5,
            fee: 0,
            total: 5,
            issued_at: notification.created_at,
            customer_name: null,
            customer_email: null,
          },
          outboxEvent("messaging", notificationCreated, {
            notification_id: notification.id,
            customer_id: "cus-1",
            order_id: "ord-1",
            kind: "confirmed",
            channel: "log",
          }),
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
    } finally {
      await deleteKeys(connections[0]!, keyPrefix);
      await Promise.all(connections.map((redis) => redis.quit()));
    }
  },
});
