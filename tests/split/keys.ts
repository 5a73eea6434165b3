/** Where the cluster's processes keep their keys on the shared Redis. */
import assert from "node:assert/strict";
import { DATA_MODULE_NAMES, moduleKeyPrefix } from "../../lib/module.ts";
import type { Cluster } from "../../testing/cluster.ts";
import { connectRedis } from "../../testing/redis.ts";
import { serviceUrl } from "../../testing/services.ts";

/** The keys on REDIS_URL that start with any of `prefixes`. */
export async function keysUnder(...prefixes: string[]): Promise<string[]> {
  const redis = await connectRedis(serviceUrl("REDIS_URL")!);
  try {
    const keys: string[] = [];
    for (const prefix of prefixes) {
      let cursor = "0";
      do {
        const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== "0");
    }
    return keys;
  } finally {
    await redis.quit();
  }
}

/**
 * KEY_PREFIX reached every process: each module's keyspace sits under the
 * cluster's prefix (which is what lets clusters share one Redis).
 */
export async function assertKeysPrefixed(cluster: Cluster): Promise<void> {
  const keys = await keysUnder(cluster.keyPrefix);
  for (const module of DATA_MODULE_NAMES) {
    assert.ok(
      keys.some((key) => key.startsWith(moduleKeyPrefix(cluster.keyPrefix, module))),
      `${module} keys under ${cluster.keyPrefix}`,
    );
  }
}
