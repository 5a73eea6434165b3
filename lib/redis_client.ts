/**
 * What talks to Redis: a connection to one server (`Redis`) or a client of a
 * Redis Cluster (`Cluster`, which follows the slot map and takes MOVED/ASK
 * redirections). Stores, scripts, outboxes and the bus's commands take either;
 * what needs one server's own connection (a blocking read and its CLIENT
 * UNBLOCK) says so.
 *
 * A cluster is named by its seed nodes: `redis+cluster://host:port,host:port`
 * (`rediss+cluster://` with TLS), or by a plain URL with `REDIS_CLUSTER=1`.
 *
 * @module
 */
import type { Cluster, Redis } from "ioredis";

export type RedisClient = Redis | Cluster;

/** Whether `client` is a cluster client (the type guard the two shapes need). */
export function isCluster(client: RedisClient): client is Cluster {
  return client.isCluster;
}

/** A cluster URL's seed nodes and what the URL says besides (user, password, TLS). */
export interface ClusterUrl {
  nodes: { host: string; port: number }[];
  /** The same URL for one node (the first), as ioredis reads user, password and TLS from it. */
  first: string;
  tls: boolean;
}

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\//i;

/** `redis+cluster://…` or `rediss+cluster://…`. */
export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEME.test(url.trim());
}

/**
 * Reads `redis+cluster://[user:pass@]h1:p1,h2:p2[/…]`, or a plain URL when
 * `forced` (REDIS_CLUSTER=1): its one host is the seed. Null for a URL that
 * names one server. Throws on a node without a valid port.
 */
export function parseClusterUrl(url: string, forced = false): ClusterUrl | null {
  const trimmed = url.trim();
  const scheme = CLUSTER_SCHEME.exec(trimmed);
  if (!scheme && !forced) return null;
  const base = scheme ? scheme[1]!.toLowerCase() : /^rediss:/i.test(trimmed) ? "rediss" : "redis";
  const rest = scheme ? trimmed.slice(scheme[0].length) : trimmed.replace(/^rediss?:\/\//i, "");
  const at = rest.lastIndexOf("@", rest.search(/[/?]|$/));
  const auth = at >= 0 ? rest.slice(0, at + 1) : "";
  const afterAuth = rest.slice(at + 1);
  const end = afterAuth.search(/[/?]|$/);
  const hosts = afterAuth.slice(0, end);
  const tail = afterAuth.slice(end);
  const nodes = hosts.split(",").filter(Boolean).map((entry) => {
    const colon = entry.lastIndexOf(":");
    const host = colon > 0 ? entry.slice(0, colon) : entry;
    const port = colon > 0 ? Number(entry.slice(colon + 1)) : 6379;
    if (!host || !Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new Error(`Redis cluster node "${entry}" is not host:port`);
    }
    return { host: host.replace(/^\[|\]$/g, ""), port };
  });
  if (nodes.length === 0) throw new Error("A Redis cluster URL names no node");
  const seed = nodes[0]!;
  const host = seed.host.includes(":") ? `[${seed.host}]` : seed.host;
  return { nodes, first: `${base}://${auth}${host}:${seed.port}${tail}`, tls: base === "rediss" };
}

/**
 * `REDIS_WAIT_REPLICAS`: a write counts as done only once `replicas` replicas
 * have it (`WAIT replicas timeoutMs` after it, on the same node), so a
 * failover cannot drop a write a caller was told succeeded. Redis replicates
 * asynchronously otherwise.
 */
export interface ReplicaWait {
  replicas: number;
  timeoutMs: number;
}

const replicaWaits = new WeakMap<RedisClient, ReplicaWait>();

/** From now on, writes through `client` wait for `wait.replicas` replicas (0: they do not). */
export function requireReplicas(client: RedisClient, wait: ReplicaWait): void {
  if (wait.replicas > 0) replicaWaits.set(client, wait);
  else replicaWaits.delete(client);
}

/** What writes through `client` wait for, or null: Redis's asynchronous replication alone. */
export function replicaWaitOf(client: RedisClient): ReplicaWait | null {
  return replicaWaits.get(client) ?? null;
}

/** The error a write gets when fewer replicas than asked confirmed it in time. */
export class ReplicasBehindError extends Error {
  constructor(wait: ReplicaWait, confirmed: number) {
    super(
      `Redis write reached ${confirmed} of ${wait.replicas} replicas within ${wait.timeoutMs} ms ` +
        "(REDIS_WAIT_REPLICAS): not counted as done",
    );
    this.name = "ReplicasBehindError";
  }
}
