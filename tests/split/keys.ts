/** Where the cluster's processes keep their keys on the shared Redis (or Redis Cluster). */
import assert from "node:assert/strict";
import { DATA_MODULE_NAMES, moduleKeyPrefix } from "../../lib/module.ts";
import type { Cluster } from "../../testing/cluster.ts";
import { connectRedisClient, keysWith } from "../../testing/redis.ts";

/** The keys on the Redis at `url` (every master of a cluster) that start with any of `prefixes`. */
export async function keysUnder(url: string, ...prefixes: string[]): Promise<string[]> {
  const redis = await connectRedisClient(url);
  try {
    const keys: string[] = [];
    for (const prefix of prefixes) keys.push(...await keysWith(redis, prefix));
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
  const keys = await keysUnder(cluster.redisUrl, cluster.keyPrefix);
  for (const module of DATA_MODULE_NAMES) {
    assert.ok(
      keys.some((key) => key.startsWith(moduleKeyPrefix(cluster.keyPrefix, module))),
      `${module} keys under ${cluster.keyPrefix}`,
    );
  }
}
