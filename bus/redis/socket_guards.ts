/**
 * What every Redis connection gets beside its options, one server's or each
 * node connection of a Cluster client (each_connection.ts): a fix for a timer
 * ioredis leaves behind, a listener for socket errors it does not expect, and
 * its errors logged without flooding the log.
 *
 * @module
 */
import type { Redis } from "ioredis";
import type { Logger } from "../../lib/logger.ts";
import { isCluster, type RedisClient } from "../../lib/redis_client.ts";
import { eachConnection } from "./each_connection.ts";

/** ioredis logs "Unhandled error event" without a listener; a flapping server would flood the log. */
const ERROR_LOG_INTERVAL_MS = 5_000;

const guarded = new WeakSet<object>();

/**
 * ioredis listens once for its socket's error, but Deno's TLS socket may emit
 * two (a server that refuses the client's certificate: the alert, then EPIPE
 * for the write in flight), and the second would crash the process as an
 * uncaught error. Each socket the connection opens, now or on a reconnect,
 * gets a listener that lets ioredis's own handling stand.
 */
export function absorbLaterSocketErrors(client: RedisClient): void {
  eachConnection(client, guardSockets);
}

function guardSockets(redis: Redis): void {
  const guard = () => {
    const stream = redis.stream as unknown as { on?(event: "error", fn: () => void): void };
    if (!stream?.on || guarded.has(stream)) return;
    guarded.add(stream);
    stream.on("error", () => {});
  };
  redis.on("connect", guard);
  redis.on("error", guard);
}

/**
 * Works around ioredis (5.x): it arms its `socketTimeout` timer when it writes
 * and clears it when data comes, but not when the socket closes, so a timer
 * left from a socket that dropped (a broker restart) fires later and destroys
 * the next, healthy socket, failing what is in flight on it. Call it on every
 * connection opened with `boundedWaits`. A Cluster client's node connections
 * get it too, though ioredis drops a node's connection rather than reconnect
 * it: a leftover timer then has no next socket to destroy, and clearing it
 * costs nothing.
 */
export function clearSocketTimeoutOnClose(client: RedisClient): void {
  eachConnection(client, clearTimerOnClose);
}

function clearTimerOnClose(redis: Redis): void {
  const internals = redis as unknown as { socketTimeoutTimer?: ReturnType<typeof setTimeout> };
  redis.on("close", () => {
    clearTimeout(internals.socketTimeoutTimer);
    internals.socketTimeoutTimer = undefined;
  });
}

/**
 * Works around ioredis (5.x) auto-pipelining on a link that stalls: it sends a
 * batch only once the batch before it is answered, and arms a command's
 * `commandTimeout` only as it is sent, so a command queued behind a batch that
 * waits out its own timeout had waited that long before its own began (a
 * request took 2.5–2.9 s to fail with REDIS_COMMAND_TIMEOUT_MS at 2 s). While
 * the connection is not ready, commands skip auto-pipelining: sent at once
 * (into the offline queue), their timeout armed at once. One server's
 * connection only: a Cluster client's own readiness does not follow a node's.
 */
export function pipelineOnlyWhenReady(client: RedisClient): void {
  if (isCluster(client) || !client.options.enableAutoPipelining) return;
  client.on("ready", () => client.options.enableAutoPipelining = true);
  client.on("close", () => client.options.enableAutoPipelining = false);
}

/**
 * Logs a connection's errors, at most one line per interval. A Cluster client
 * reports a node's as "node error" (with the node's address) and its own
 * (every node failed) as "error".
 */
export function watchErrors(client: RedisClient, name: string, log: Logger): void {
  let lastLogged = 0;
  const warn = (error: unknown, node?: string) => {
    const now = Date.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = now;
    log.warn("Redis connection error", { connection: name, ...(node ? { node } : {}), error });
  };
  client.on("error", (error: unknown) => warn(error));
  if (isCluster(client)) {
    client.on("node error", (error: unknown, node: string) => warn(error, node));
  }
}
