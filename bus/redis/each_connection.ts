/**
 * The connections behind a Redis client, for what works on sockets (timers,
 * counters, error listeners). A one-server client is one connection that
 * reconnects in place. A Cluster client has one per node it talks to, which
 * ioredis' pool makes as the slot map names nodes, and drops rather than
 * reconnects (a lost node is found again through MOVED and the next slot
 * refresh): each new one is announced with "+node" before it connects.
 *
 * @module
 */
import type { Redis } from "ioredis";
import { isCluster, type RedisClient } from "../../lib/redis_client.ts";

/** Calls `fn` on each connection of `client`: the one now, or every node's, now and later. */
export function eachConnection(client: RedisClient, fn: (redis: Redis) => void): void {
  if (!isCluster(client)) {
    fn(client);
    return;
  }
  const seen = new WeakSet<Redis>();
  const once = (node: Redis) => {
    if (seen.has(node)) return;
    seen.add(node);
    fn(node);
  };
  client.nodes("all").forEach(once);
  client.on("+node", once);
}
