/**
 * Tests on a shared Redis: connections that fail fast instead of retrying for
 * ever, and a keyspace of one's own that is deleted afterwards by prefix
 * (SCAN and DEL, never KEYS or FLUSHDB: other runs use the same server).
 *
 * @module
 */
import { Redis } from "ioredis";
import { serviceUrl, uniqueName } from "./services.ts";
import { deleteKeysWith } from "./bus/redis_cleanup.ts";

/** A connection that is open when this resolves (or rejects). */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  return redis;
}

/** Deletes every key that starts with `prefix`; returns their names. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<string[]> {
  return await deleteKeysWith(redis, prefix);
}

export interface TestKeyspace {
  /** The first connection. */
  redis: Redis;
  /** No other run shares it; ends with ":". */
  keyPrefix: string;
  /** Another connection, as a second process would have; closed with the keyspace. */
  connect(): Promise<Redis>;
  /** Deletes every key under `keyPrefix`, closes every connection and returns the deleted names. */
  close(): Promise<string[]>;
}

export async function openKeyspace(url: string, name = "t"): Promise<TestKeyspace> {
  const connections = [await connectRedis(url)];
  const redis = connections[0]!;
  const keyPrefix = `${uniqueName(name)}:`;
  return {
    redis,
    keyPrefix,
    async connect() {
      const another = await connectRedis(url);
      connections.push(another);
      return another;
    },
    async close() {
      try {
        return await deleteKeys(redis, keyPrefix);
      } finally {
        await Promise.all(connections.map((connection) => connection.quit()));
      }
    },
  };
}

/**
 * A test on a keyspace of its own on the Redis at REDIS_URL (skipped when it is not set),
 * deleted and closed however the test ends.
 */
export function keyspaceTest(name: string, body: (keyspace: TestKeyspace) => Promise<void>): void {
  const url = serviceUrl("REDIS_URL");
  Deno.test({
    name,
    ignore: url === null,
    async fn() {
      const keyspace = await openKeyspace(url!);
      try {
        await body(keyspace);
      } finally {
        await keyspace.close();
      }
    },
  });
}
