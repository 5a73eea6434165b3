/**
 * Deletes every key under some prefixes, for tests and benchmarks that made a
 * namespace of their own (never FLUSHDB: the server is shared).
 *
 * @module
 */
import { Redis } from "ioredis";

export async function deleteKeys(url: string, prefixes: readonly string[]): Promise<number> {
  const redis = new Redis(url);
  let deleted = 0;
  try {
    for (const prefix of prefixes) {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
        cursor = next;
        if (keys.length > 0) deleted += await redis.unlink(...keys);
      } while (cursor !== "0");
    }
  } finally {
    await redis.quit();
  }
  return deleted;
}
