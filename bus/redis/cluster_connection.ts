/**
 * A Redis Cluster client (ioredis `Cluster`) opened as connection.ts opens one
 * server's connection: the same TLS files, user and password, the same
 * bounded waits on every node connection, reconnecting that never gives up,
 * and a start-up that fails with one line when no node answers.
 *
 * @module
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { withTimeout } from "../../lib/async/with_timeout.ts";
import type { Logger } from "../../lib/logger.ts";
import { type ClusterUrl, parseClusterUrl } from "../../lib/redis_client.ts";
import { BrokerConnectError, hintFor, reasonOf } from "../connect_error.ts";
import { redactUrl } from "../redact.ts";
import { brokerEnv } from "../tls_files.ts";
import { redisOptions } from "./options.ts";
import { type ConnectionRole, countRoundTrips } from "./round_trips.ts";
import {
  absorbLaterSocketErrors,
  clearSocketTimeoutOnClose,
  watchErrors,
} from "./socket_guards.ts";

/** How long a start-up may take, over every seed node, before it is given up. */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long the look at one seed node, for the reason a start-up failed, may take. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * The cluster `url` names, or null for one server: `redis+cluster://…`, or any
 * URL beside REDIS_CLUSTER=1. A node that is not host:port is a
 * BrokerConnectError, like any other URL the adapter cannot use.
 */
export function clusterUrlOf(url: string): ClusterUrl | null {
  try {
    return parseClusterUrl(url, brokerEnv().REDIS_CLUSTER?.trim() === "1");
  } catch (error) {
    throw new BrokerConnectError(`Redis cluster URL ${redactUrl(url)}: ${reasonOf(error)}`);
  }
}

/** The URL of one node of `cluster`, with the cluster URL's scheme, user and password. */
export function nodeUrl(cluster: ClusterUrl, host: string, port: number): string {
  const url = new URL(cluster.first);
  url.hostname = host.includes(":") ? `[${host}]` : host;
  url.port = String(port);
  return url.href;
}

/**
 * What every node connection gets: TLS (rediss+cluster://, REDIS_TLS_*), the
 * URL's user and password, and the caller's options less those the Cluster
 * sets itself (a node's connection never reconnects on its own: ioredis drops
 * it and finds the node again through the slot map).
 */
function nodeOptions(cluster: ClusterUrl, name: string, options: RedisOptions) {
  const { retryStrategy: _retry, enableAutoPipelining: _auto, ...rest } = options;
  const url = new URL(cluster.first);
  return {
    ...redisOptions(cluster.first),
    ...(url.username || url.password
      ? {
        username: decodeURIComponent(url.username) || undefined,
        password: decodeURIComponent(url.password),
      }
      : {}),
    ...rest,
    connectionName: name,
  };
}

/**
 * Connects to the cluster (the slot map read from a seed node) before
 * resolving.
 *
 * - The Cluster's own offline queue is off: while the whole cluster is away
 *   (every node lost, reconnecting) a command fails at once instead of
 *   waiting, with no command timeout running, until the cluster is back. A
 *   command sent to a node still gets the node connection's `commandTimeout`,
 *   retries through MOVED, a failover or CLUSTERDOWN included.
 * - Reconnecting never gives up, backing off to one try a second, as one
 *   server's connection does (boundedWaits).
 * - Every command made on the client fails within `commandTimeout` of being
 *   made (deadlineEachCommand), whatever the Cluster does with it meanwhile.
 * - With TLS, a seed node is reached by the name the URL gives it, so its
 *   certificate is checked against that name: ioredis would look the name
 *   up first and check the certificate against the address, which a
 *   certificate naming the host alone does not carry (the start-up then
 *   failed with "Connection is closed.").
 */
export async function openCluster(
  url: string,
  cluster: ClusterUrl,
  name: string,
  options: RedisOptions,
  log: Logger,
  role: ConnectionRole,
): Promise<Cluster> {
  const clusterOptions: ClusterOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableAutoPipelining: options.enableAutoPipelining ?? false,
    clusterRetryStrategy: (times) => Math.min(times * 100, 1_000),
    ...(cluster.tls ? { dnsLookup: (host, found) => found(null, host) } : {}),
    redisOptions: nodeOptions(cluster, name, options),
  };
  const client = new Cluster(cluster.nodes, clusterOptions);
  if (options.commandTimeout) deadlineEachCommand(client, options.commandTimeout);
  // Before connect(): the pool announces each node connection it makes with "+node".
  clearSocketTimeoutOnClose(client);
  countRoundTrips(client, role);
  absorbLaterSocketErrors(client);
  let cause: unknown;
  const remember = (error: unknown) => cause ??= error;
  client.on("node error", remember);
  client.on("error", remember);
  try {
    await withTimeout(
      client.connect(),
      CONNECT_TIMEOUT_MS,
      `no answer within ${CONNECT_TIMEOUT_MS} ms`,
    );
  } catch (error) {
    client.options.clusterRetryStrategy = () => null;
    client.disconnect();
    const reason = await probe(cluster, name, options) ?? reasonOf(cause ?? error);
    throw new BrokerConnectError(
      `Cannot connect to the Redis cluster at ${redactUrl(url)}: ${reason}${
        hintFor(reason, "REDIS_TLS")
      }`,
    );
  } finally {
    client.off("node error", remember);
    client.off("error", remember);
  }
  watchErrors(client, name, log);
  return client;
}

/**
 * Why no seed node would do, when none would: the first one's reason (refused,
 * a TLS alert, a wrong password, no cluster support). Null when one answers:
 * the cluster's own error says more then. The Cluster client reads the slot
 * map on throw-away connections and reports what fails there only as
 * "Connection is closed.", which names no cause.
 */
async function probe(
  cluster: ClusterUrl,
  name: string,
  options: RedisOptions,
): Promise<string | null> {
  const reasons = await Promise.all(cluster.nodes.map(async (node) => {
    const redis = new Redis({
      ...nodeOptions(cluster, name, options),
      host: node.host,
      port: node.port,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    let cause: unknown;
    redis.on("error", (error: unknown) => cause ??= error);
    try {
      await withTimeout(
        redis.connect().then(() => redis.cluster("INFO")),
        PROBE_TIMEOUT_MS,
        `no answer within ${PROBE_TIMEOUT_MS} ms`,
      );
      return null;
    } catch (error) {
      return reasonOf(cause ?? error);
    } finally {
      redis.disconnect();
    }
  }));
  return reasons.every((reason) => reason !== null) ? reasons[0]! : null;
}

/** Commands that wait on purpose; none is made on a Cluster client, but a deadline would cut them. */
const BLOCKING = new Set([
  "blpop",
  "brpop",
  "blmove",
  "bzpopmin",
  "bzpopmax",
  "wait",
  "xread",
  "xreadgroup",
]);

/**
 * Gives every command made on a Cluster client a deadline from when it is
 * made. A node connection's `commandTimeout` starts only as the command is
 * sent to it, and on a master that stalls (no reset) the Cluster sends a
 * command again once its node connection closes, and holds auto-pipelined
 * commands until the batch ahead of them is answered: a command to a stalled
 * master failed up to 5 timeouts after it was made. Past its deadline the
 * caller gets "Command timed out" (a 503); what the Cluster still does with
 * the command is ignored, as a write's outcome after a 503 is unknown anyway.
 */
function deadlineEachCommand(client: Cluster, timeoutMs: number): void {
  const deadlines = new Deadlines(timeoutMs);
  const methods = client as unknown as Record<string, unknown>;
  for (const name of client.getBuiltinCommands()) {
    const made = methods[name];
    if (typeof made !== "function" || BLOCKING.has(name)) continue;
    methods[name] = function (this: Cluster, ...args: unknown[]) {
      const result = made.apply(this, args);
      return result instanceof Promise ? deadlines.track(result) : result;
    };
  }
}

interface Tracked {
  due: number;
  reject(error: Error): void;
}

/**
 * Commands waiting for their answer, failed once past their deadline by one
 * sweep every few tens of ms rather than a timer each (commands are many, and
 * a timer apiece cost a tenth of the cluster rows' orders/s). All share one
 * timeout, so they fall due in the order they were made.
 */
class Deadlines {
  readonly #waiting = new Set<Tracked>();
  readonly #sweepMs: number;
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(readonly timeoutMs: number) {
    this.#sweepMs = Math.max(10, Math.min(100, Math.floor(timeoutMs / 10)));
  }

  track<T>(result: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const tracked: Tracked = { due: performance.now() + this.timeoutMs, reject };
      this.#waiting.add(tracked);
      if (this.#sweeper === undefined) this.#startSweeping();
      result.then(
        (value) => {
          this.#settled(tracked);
          resolve(value);
        },
        (error) => {
          this.#settled(tracked);
          reject(error);
        },
      );
    });
  }

  /** Nothing left waiting: no sweeper either (none left behind by a test, or a quiet process). */
  #settled(tracked: Tracked): void {
    this.#waiting.delete(tracked);
    if (this.#waiting.size === 0) this.#stopSweeping();
  }

  #stopSweeping(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #startSweeping(): void {
    this.#sweeper = setInterval(() => this.#sweep(), this.#sweepMs);
    // Deadlines alone should not keep a process alive.
    Deno.unrefTimer(this.#sweeper);
  }

  #sweep(): void {
    const now = performance.now();
    for (const tracked of this.#waiting) {
      if (tracked.due > now) break;
      this.#waiting.delete(tracked);
      tracked.reject(new Error("Command timed out"));
    }
    if (this.#waiting.size === 0) this.#stopSweeping();
  }
}
