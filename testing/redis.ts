/**
 * Tests on a shared Redis: connections that fail fast instead of retrying for
 * ever, and a keyspace of one's own that is deleted afterwards by prefix
 * (SCAN and DEL, never KEYS or FLUSHDB: other runs use the same server). A
 * keyspace may also live on a private Redis Cluster (`openClusterKeyspace`).
 *
 * @module
 */
import { Cluster, Redis } from "ioredis";
import { isCluster, parseClusterUrl, type RedisClient } from "../lib/redis_client.ts";
import { serviceUrl, uniqueName } from "./services.ts";
import { deleteKeysWith } from "./bus/redis_cleanup.ts";
import type { RedisCluster } from "./redis_cluster.ts";

/** A connection that is open when this resolves (or rejects). */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  return redis;
}

/**
 * A client that is connected when this resolves: a Redis Cluster client when
 * `url` names a cluster (`redis+cluster://h1:p1,h2:p2`), else `connectRedis`.
 */
export async function connectRedisClient(url: string): Promise<RedisClient> {
  const cluster = parseClusterUrl(url);
  if (!cluster) return await connectRedis(url);
  const { username, password } = new URL(cluster.first);
  const client = new Cluster(cluster.nodes, {
    lazyConnect: true,
    redisOptions: {
      maxRetriesPerRequest: 1,
      ...(username ? { username: decodeURIComponent(username) } : {}),
      ...(password ? { password: decodeURIComponent(password) } : {}),
    },
  });
  client.on("error", () => {}); // a failed connect() rejects with it
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return client;
}

/** The servers that hold `client`'s keys: itself, or every master of a cluster. */
export function mastersOf(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes("master") : [client];
}

/** The names of the keys that start with `prefix`, from every master on a cluster. */
export async function keysWith(client: RedisClient, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (const master of mastersOf(client)) {
    let cursor = "0";
    do {
      const [next, batch] = await master.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== "0");
  }
  return keys;
}

/**
 * Deletes every key that starts with `prefix`; returns their names. On a cluster
 * every master is scanned (each holds only its own slots' keys), and each key is
 * deleted alone (keys of different slots cannot share a command).
 */
export async function deleteKeys(redis: RedisClient, prefix: string): Promise<string[]> {
  if (!isCluster(redis)) return await deleteKeysWith(redis, prefix);
  const deleted: string[] = [];
  for (const master of mastersOf(redis)) {
    let cursor = "0";
    do {
      const [next, keys] = await master.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      const unlinks = master.pipeline();
      for (const key of keys) unlinks.unlink(key);
      if (keys.length > 0) await unlinks.exec();
      deleted.push(...keys);
    } while (cursor !== "0");
  }
  return deleted;
}

export interface TestKeyspace<C extends RedisClient = Redis> {
  /** The first connection. */
  redis: C;
  /** No other run shares it; ends with ":". */
  keyPrefix: string;
  /** Another connection, as a second process would have; closed with the keyspace. */
  connect(): Promise<C>;
  /** Deletes every key under `keyPrefix`, closes every connection and returns the deleted names. */
  close(): Promise<string[]>;
}

/** A keyspace whose connections `open` makes. */
async function keyspaceOf<C extends RedisClient>(
  open: () => Promise<C>,
  name: string,
): Promise<TestKeyspace<C>> {
  const connections = [await open()];
  const redis = connections[0]!;
  const keyPrefix = `${uniqueName(name)}:`;
  return {
    redis,
    keyPrefix,
    async connect() {
      const another = await open();
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

export function openKeyspace(url: string, name = "t"): Promise<TestKeyspace> {
  return keyspaceOf(() => connectRedis(url), name);
}

/** A keyspace of one's own on a private Redis Cluster, each connection a cluster client. */
export function openClusterKeyspace(
  cluster: RedisCluster,
  name = "t",
): Promise<TestKeyspace<Cluster>> {
  return keyspaceOf(async () => {
    const client = cluster.client();
    try {
      await client.ping(); // connected, slots known
    } catch (error) {
      client.disconnect();
      throw error;
    }
    return client;
  }, name);
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
