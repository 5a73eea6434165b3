import { Redis } from "ioredis";
import { serviceUrl, uniqueName } from "../../../testing/services.ts";
import { runStoreConformance } from "./conformance.ts";
import { RedisInventoryStore } from "./redis.ts";

const url = serviceUrl("REDIS_URL");

async function connect(): Promise<Redis> {
  const redis = new Redis(url!, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  return redis;
}

/** Deletes only this test's keys: the Redis is shared, so never FLUSHDB. */
async function deleteKeys(redis: Redis, keyPrefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${keyPrefix}inventory:*`, "COUNT", 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
}

runStoreConformance({
  name: "redis",
  available: url !== null,
  open: async () => {
    const keyPrefix = `${uniqueName("test")}:`;
    const connections = [await connect()];
    return {
      store: new RedisInventoryStore(connections[0]!, keyPrefix),
      peer: async () => {
        const redis = await connect();
        connections.push(redis);
        return new RedisInventoryStore(redis, keyPrefix);
      },
      close: async () => {
        await deleteKeys(connections[0]!, keyPrefix);
        await Promise.all(connections.map((redis) => redis.quit()));
      },
    };
  },
});
