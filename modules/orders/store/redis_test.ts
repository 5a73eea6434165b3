import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { deleteKeys } from "./_redis_cleanup.ts";
import { createEnvelope } from "../../../bus/envelope.ts";
import { RedisOutbox } from "../../../lib/outbox.ts";
import { stockReleaseRequested } from "../events.ts";
import { serviceUrl, uniqueName } from "../../../testing/services.ts";
import { runOrderStoreConformance } from "./conformance.ts";
import { RedisOrderStore } from "./redis.ts";

const url = serviceUrl("REDIS_URL");

runOrderStoreConformance({
  name: "redis",
  available: url !== null,
  open: async () => {
    const redis = new Redis(url!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const prefix = `${uniqueName("test")}:`;
    return {
      store: new RedisOrderStore(redis, prefix),
      cleanup: async () => {
        await deleteKeys(redis, prefix);
        await redis.quit();
      },
    };
  },
});

Deno.test({
  name: "redis order store: one process at a time relays the shared outbox",
  ignore: url === null,
  fn: async () => {
    const redis = new Redis(url!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const prefix = `${uniqueName("test")}:`;
    try {
      const one = new RedisOrderStore(redis, prefix);
      const two = new RedisOrderStore(redis, prefix);
      const event = createEnvelope("orders", stockReleaseRequested, { order_id: "ord_1" });
      await redis.xadd(one.stream.key, "*", "e", RedisOutbox.encode(event));
      assert.deepEqual((await one.outbox.peek(10)).map((e) => e.envelope), [event]);
      assert.deepEqual(await two.outbox.peek(10), [], "the other process waits");
      await one.close();
      assert.deepEqual((await two.outbox.peek(10)).map((e) => e.envelope), [event]);
      assert.deepEqual(await one.outbox.peek(10), [], "and now the first one waits");
    } finally {
      await deleteKeys(redis, prefix);
      await redis.quit();
    }
  },
});
