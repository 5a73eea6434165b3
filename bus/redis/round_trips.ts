/**
 * Round trips to Redis, counted by the client: one per write to a connection's
 * socket. ioredis writes a lone command, a pipeline or an auto-pipelined tick
 * (every command issued in one tick) as one write, and the replies come back
 * together, so writes are what latency adds up from — unlike INFO
 * commandstats, which counts commands, a script's inner calls included.
 * `/metrics` reports them as `redis_round_trips_total` by connection role.
 *
 * @module
 */
import type { Redis } from "ioredis";
import type { RedisClient } from "../../lib/redis_client.ts";
import { eachConnection } from "./each_connection.ts";

/** What a connection is for: the stores', the bus's shared one, or a subscription's reads. */
export type ConnectionRole = "store" | "bus" | "reader";

const totals: Record<ConnectionRole, number> = { store: 0, bus: 0, reader: 0 };
const counted = new WeakSet<object>();

/**
 * Counts every write of `client`'s sockets, now and after each reconnect, under
 * `role`; a Cluster client's on every node connection it opens. (Its slot-map
 * refreshes go on short-lived connections of their own and are not counted:
 * they are not the bus's or the stores' commands.)
 */
export function countRoundTrips(client: RedisClient, role: ConnectionRole): void {
  eachConnection(client, (redis) => countWrites(redis, role));
}

function countWrites(redis: Redis, role: ConnectionRole): void {
  const wrap = () => {
    const stream = redis.stream as unknown as { write?: (...args: unknown[]) => boolean };
    if (!stream?.write || counted.has(stream)) return;
    counted.add(stream);
    const write = stream.write.bind(stream);
    stream.write = (...args: unknown[]) => {
      totals[role]++;
      return write(...args);
    };
  };
  // "connect" comes once the socket is up, before ioredis writes anything but its handshake.
  redis.on("connect", wrap);
}

/** Writes so far in this process, by role. */
export function roundTrips(): Readonly<Record<ConnectionRole, number>> {
  return { ...totals };
}
