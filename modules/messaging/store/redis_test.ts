import assert from "node:assert/strict";
import { outboxEvent } from "../../../lib/outbox.ts";
import { openKeyspace } from "../../../testing/redis.ts";
import { serviceUrl } from "../../../testing/services.ts";
import { redisStoreHarness } from "../../../testing/store_suite.ts";
import { notificationCreated } from "../events.ts";
import { runMessagingStoreConformance } from "../../../testing/modules/messaging/store_conformance.ts";
import { RedisMessagingStore } from "./redis.ts";
import type { Notification } from "../domain/types.ts";

const url = serviceUrl("REDIS_URL");

runMessagingStoreConformance(
  redisStoreHarness(url, ({ redis, keyPrefix }) => ({
    store: new RedisMessagingStore(redis, keyPrefix),
  })),
);

Deno.test({
  name: "redis messaging store: two processes recording one outcome keep exactly one",
  ignore: url === null,
  async fn() {
    const keyspace = await openKeyspace(url!);
    try {
      const connections = [keyspace.redis, await keyspace.connect(), await keyspace.connect()];
      const stores = connections.map((redis) => new RedisMessagingStore(redis, keyspace.keyPrefix));
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
            items: [{ product_id: "p", name: null, quantity: 1, unit_price: 5, amount: 5 }],
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
      await keyspace.close();
    }
  },
});
