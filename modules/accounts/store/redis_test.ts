import assert from "node:assert/strict";
import { outboxEvent } from "../../../lib/outbox.ts";
import type { RedisClient } from "../../../lib/redis_client.ts";
import { keyspaceTest, type TestKeyspace } from "../../../testing/redis.ts";
import { serviceUrl } from "../../../testing/services.ts";
import { RedisClusterStores, redisStoresOf } from "../../../testing/store_suite.ts";
import { customerRegistered, paymentFailed, paymentSucceeded } from "../events.ts";
import { runAccountsStoreConformance } from "../../../testing/modules/accounts/store_conformance.ts";
import { RedisAccountsStore } from "./redis.ts";

const url = serviceUrl("REDIS_URL");

for (const harness of redisStoresOf(url, RedisAccountsStore)) runAccountsStoreConformance(harness);

const onCluster = new RedisClusterStores("redis accounts store on a private Redis Cluster");
runAccountsStoreConformance(onCluster.storeOf(RedisAccountsStore));

/** Each of 12 orders charged from two processes at once: 5 fit the balance, each once. */
async function neverOverdrawn(keyspace: TestKeyspace<RedisClient>): Promise<void> {
  const [a, b] = [keyspace.redis, await keyspace.connect()].map((redis) =>
    new RedisAccountsStore(redis, keyspace.keyPrefix)
  ) as [RedisAccountsStore, RedisAccountsStore];
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
}

keyspaceTest(
  "redis accounts store: two processes charging one balance never overdraw it",
  neverOverdrawn,
);
onCluster.test(
  "redis cluster accounts store: two processes charging one balance never overdraw it",
  neverOverdrawn,
);
