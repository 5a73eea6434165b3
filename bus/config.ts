/**
 * How a bus is configured, whatever its adapter. Kept apart from the factory
 * so an adapter can name it without importing the factory, which imports
 * every adapter (a cycle, and a type check of one adapter that fails until
 * all of them exist).
 *
 * @module
 */
import type { Logger } from "../lib/logger.ts";
import type { ReplicaWait } from "../lib/redis_client.ts";

/** The adapters `createBus` can make, by the name a URL or `--bus` gives them. */
export const BUS_KINDS = ["memory", "redis", "nats"] as const;
export type BusKind = typeof BUS_KINDS[number];

export interface BusConfig {
  /** Names the publisher in every envelope. */
  source: string;
  /**
   * Keeps several independent systems (or test runs) apart on one broker:
   * Redis keys start `bus:{<namespace>}:` (one Redis Cluster hash tag per
   * namespace), NATS streams and subjects carry it.
   */
  namespace?: string;
  /** How long (ms) a Redis command or a JetStream request may wait for its answer. */
  commandTimeoutMs?: number;
  /**
   * Messages kept per event type once every group has taken them; never
   * what a group has not (see DEFAULT_RETENTION).
   */
  retention?: number;
  /** How long (ms) a message every group has taken is kept. */
  retentionMs?: number;
  /**
   * Redis (REDIS_WAIT_REPLICAS): a publish resolves only once this many
   * replicas confirmed it (`WAIT`), else rejects with ReplicasBehindError;
   * acks never wait. Unset or 0: Redis's asynchronous replication alone.
   */
  waitReplicas?: ReplicaWait;
  /** NATS: copies of each stream across the cluster (num_replicas); default 1. */
  replicas?: number;
  /** Where the adapter logs what it recovers from (lost connections, failed acks); default: stderr. */
  log?: Logger;
}
