/**
 * Opening and closing ioredis connections the same way everywhere: fail fast
 * on a bad URL, log connection trouble (throttled) instead of crashing, and
 * leave no socket or timer behind on close. A URL that names a Redis Cluster
 * opens a Cluster client (cluster_connection.ts); what closes takes either.
 *
 * @module
 */
import { Redis, type RedisOptions } from "ioredis";
import { withTimeout } from "../../lib/async/with_timeout.ts";
import type { Logger } from "../../lib/logger.ts";
import { isCluster, type RedisClient } from "../../lib/redis_client.ts";
import { adapterLogger } from "../defaults.ts";
import { BrokerConnectError, hintFor, reasonOf } from "../connect_error.ts";
import { redactUrl } from "../redact.ts";
import { clusterUrlOf, openCluster } from "./cluster_connection.ts";
import { redisOptions } from "./options.ts";
import { type ConnectionRole, countRoundTrips } from "./round_trips.ts";
import {
  absorbLaterSocketErrors,
  clearSocketTimeoutOnClose,
  pipelineOnlyWhenReady,
  watchErrors,
} from "./socket_guards.ts";

export { redactUrl };
export { boundedWaits, redisOptions } from "./options.ts";
export { clearSocketTimeoutOnClose } from "./socket_guards.ts";

/** How long a start-up connection may take before it is given up. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connects once, within a deadline: an unreachable server, a refused password
 * or an untrusted certificate fails here with its reason (ioredis only says
 * "Connection is closed" and would go on retrying in the background). Later
 * losses reconnect as the connection's retry strategy says.
 */
export async function connectOnce(
  redis: Redis,
  url: string,
  timeoutMs = CONNECT_TIMEOUT_MS,
): Promise<void> {
  absorbLaterSocketErrors(redis);
  let cause: unknown;
  const remember = (error: unknown) => cause ??= error;
  redis.on("error", remember);
  try {
    await withTimeout(redis.connect(), timeoutMs, `no answer within ${timeoutMs} ms`);
  } catch (error) {
    // Nothing waits on it yet: cancelling the pending reconnect is enough.
    redis.disconnect();
    const reason = reasonOf(cause ?? error);
    throw new BrokerConnectError(
      `Cannot connect to Redis at ${redactUrl(url)}: ${reason}${hintFor(reason, "REDIS_TLS")}`,
    );
  } finally {
    redis.off("error", remember);
  }
}

/**
 * Connects before resolving, so a wrong URL fails here and not at the first
 * command: to one server, or to a Redis Cluster when the URL names one
 * (`redis+cluster://`, or any URL with REDIS_CLUSTER=1, read from the
 * environment as the TLS variables are). Its round trips count under `role`
 * (round_trips.ts).
 */
export async function openConnection(
  url: string,
  name: string,
  options: RedisOptions,
  log: Logger = adapterLogger("redis"),
  role: ConnectionRole = "bus",
): Promise<RedisClient> {
  const cluster = clusterUrlOf(url);
  if (cluster) return await openCluster(url, cluster, name, options, log, role);
  return await openServerConnection(url, name, options, log, role);
}

/**
 * A connection to the one server `url` names, whatever REDIS_CLUSTER says:
 * for what must stay on one server (a subscription's blocking reads and their
 * CLIENT UNBLOCK; on a cluster, those go to the master serving the bus's slot).
 */
export async function openServerConnection(
  url: string,
  name: string,
  options: RedisOptions,
  log: Logger = adapterLogger("redis"),
  role: ConnectionRole = "bus",
): Promise<Redis> {
  const redis = new Redis(url, {
    ...redisOptions(url),
    ...options,
    connectionName: name,
    lazyConnect: true,
  });
  clearSocketTimeoutOnClose(redis);
  pipelineOnlyWhenReady(redis);
  countRoundTrips(redis, role);
  // Watched only once connected: a failed start is one error, not a log line more.
  await connectOnce(redis, url);
  watchErrors(redis, name, log);
  return redis;
}

/** A server that stopped answering (not gone: no socket error) must not hold up a close. */
const QUIT_TIMEOUT_MS = 1_000;

/**
 * Drops the socket and fails every command still waiting on it. disconnect()
 * alone does not while ioredis waits to reconnect (the server is away): it
 * cancels the reconnect, and the queued commands wait for ever — and so does
 * whoever awaits them. Refusing further reconnects instead lets the pending
 * attempt end the connection and reject its queue.
 *
 * A Cluster client: no reconnect of the whole cluster either, and every node
 * connection closed. The client queues nothing of its own (its offline queue
 * is off, see cluster_connection.ts), and what a node connection still holds
 * is rejected as it closes.
 */
export function dropConnection(client: RedisClient): void {
  if (isCluster(client)) {
    client.options.clusterRetryStrategy = () => null;
    client.disconnect();
    return;
  }
  client.options.retryStrategy = () => null;
  if (client.status !== "reconnecting") client.disconnect();
  // With a command timeout nothing queued waits for ever: end the reconnect wait too.
  else if (client.options.commandTimeout) client.disconnect();
}

/**
 * QUIT when the server answers (pending replies arrive first), else drop the
 * socket. A Cluster client QUITs on every node connection it has.
 */
export async function closeConnection(client: RedisClient): Promise<void> {
  if (client.status === "end") return;
  if (client.status !== "ready") {
    dropConnection(client);
    return;
  }
  try {
    await withTimeout(client.quit(), QUIT_TIMEOUT_MS, "QUIT timed out");
  } catch {
    dropConnection(client);
  }
}
