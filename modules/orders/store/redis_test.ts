import assert from "node:assert/strict";
import { createEnvelope } from "../../../bus/envelope.ts";
import { RedisOutbox } from "../../../lib/outbox.ts";
import { stockReleaseRequested } from "../events.ts";
import { openKeyspace } from "../../../testing/redis.ts";
import { serviceUrl } from "../../../testing/services.ts";
import { redisStoreHarness } from "../../../testing/store_suite.ts";
import {
  runIdempotencyExpiryConformance,
  runOrderStoreConformance,
  SHORT_IDEMPOTENCY_TTL_MS,
} from "../../../testing/modules/orders/store_conformance.ts";
import { RedisOrderStore } from "./redis.ts";

const url = serviceUrl("REDIS_URL");

runOrderStoreConformance(
  redisStoreHarness(url, ({ redis, keyPrefix }) => ({
    store: new RedisOrderStore(redis, keyPrefix),
  })),
);
runIdempotencyExpiryConformance(
  redisStoreHarness(url, ({ redis, keyPrefix }) => ({
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
      await redis.xadd(one.stream.key, "*", "e", RedisOutbox.encode(event));
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
