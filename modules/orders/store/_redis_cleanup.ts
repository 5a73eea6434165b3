/**
 * Test cleanup for a shared Redis: deletes one run's keys by prefix (SCAN,
 * never KEYS or FLUSHDB).
 *
 * @module
 */
import type { Redis } from "ioredis";

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}
