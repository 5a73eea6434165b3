import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { outboxEvent } from "../../../lib/outbox.ts";
import { serviceUrl, uniqueName } from "../../../testing/services.ts";
import { customerRegistered, paymentFailed, paymentSucceeded } from "../events.ts";
import { runAccountsStoreConformance } from "./conformance.ts";
import { RedisAccountsStore } from "./redis.ts";

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

runAccountsStoreConformance({
  name: "redis",
  available: url !== null,
  async open() {
    const redis = new Redis(url!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const keyPrefix = `${uniqueName("t")}:`;
    return {
      store: new RedisAccountsStore(redis, `${keyPrefix}accounts:`),
      async close() {
        await deleteKeys(redis, keyPrefix);
        await redis.quit();
      },
    };
  },
});

Deno.test({
  name: "redis accounts store: two processes charging one balance never overdraw it",
  ignore: url === null,
  async fn() {
    const keyPrefix = `${uniqueName("t")}:`;
    const connections = [new Redis(url!), new Redis(url!)];
    const [a, b] = connections.map((redis) =>
      new RedisAccountsStore(redis, `${keyPrefix}accounts:`)
    ) as [RedisAccountsStore, RedisAccountsStore];
    try {
      const at = new Date().toISOString();
      const registered = outboxEvent("accounts", customerRegistered, {
        customer_id: "cus-1",
        name: "Ada",
        email: "ada@example.com",
      });
      await a.createCustomer(
        { id: "cus-1", name: "Ada", email: "ada@example.com", created_at: at, deposits: [500] },
        registered,
      );
      const events = (order_id: string) => {
        const failed = (reason: "insufficient_funds" | "unknown_customer" | "voided") =>
          outboxEvent("accounts", paymentFailed, { order_id, customer_id: "cus-1", reason });
        return {
          succeeded: outboxEvent("accounts", paymentSucceeded, {
            order_id,
            customer_id: "cus-1",
            amount: 100,
          }),
          insufficient_funds: failed("insufficient_funds"),
          unknown_customer: failed("unknown_customer"),
          voided: failed("voided"),
        };
      };
      // Each of 12 orders asked on both connections at once.
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) => `o${i}`).flatMap((order) =>
          [a, b].map((store) =>
            store.takePayment(
              { order_id: order, customer_id: "cus-1", amount: 100 },
              at,
              events(order),
            )
          )
        ),
      );
      assert.equal(outcomes.filter((o) => o === "charged").length, 5);
      assert.equal(outcomes.filter((o) => o === "duplicate").length, 12);
      const audit = await b.audit("cus-1");
      assert.deepEqual(audit, { balance: 0, deposits: 500, charges: 500, refunds: 0 });
    } finally {
      await deleteKeys(connections[0]!, keyPrefix);
      await Promise.all(connections.map((redis) => redis.quit()));
    }
  },
});
