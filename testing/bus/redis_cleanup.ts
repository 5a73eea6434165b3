/**
 * Deletes every key under some prefixes, for tests and benchmarks that made a
 * namespace of their own (never FLUSHDB: the server is shared).
 *
 * @module
 */
import { Redis } from "ioredis";

/** Deletes the keys under `prefix` through an open connection; returns their names. */
export async function deleteKeysWith(redis: Redis, prefix: string): Promise<string[]> {
  const deleted: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
    deleted.push(...keys);
  } while (cursor !== "0");
  return deleted;
}

/** Connects to `url`, deletes every key under each prefix, disconnects; returns how many. */
export async function deleteKeys(url: string, prefixes: readonly string[]): Promise<number> {
  const redis = new Redis(url);
  let deleted = 0;
  try {
    for (const prefix of prefixes) deleted += (await deleteKeysWith(redis, prefix)).length;
  } finally {
    await redis.quit();
  }
  return deleted;
}
