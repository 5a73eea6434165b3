/**
 * The connection a subscription's blocking reads go on, and the way to end a
 * blocked read: CLIENT UNBLOCK with the reader's client id, sent from another
 * connection to the same server. On one server that is the bus's commands
 * connection. On a Redis Cluster the reader is a plain connection to the
 * master serving the bus's slot (every bus key shares one hash tag, so one
 * master holds every stream a read names), and its UNBLOCK goes through the
 * Cluster client's own connection to that node. After a failed read it
 * follows the slot: to the node a MOVED names, or to the master the refreshed
 * slot map names (a failover promoted a replica), and reads there from then on.
 *
 * @module
 */
import type { Cluster, Redis } from "ioredis";
import { settlesWithin } from "../../lib/async/settles_within.ts";
import { isCluster, type RedisClient } from "../../lib/redis_client.ts";
import { closeConnection, dropConnection } from "./connection.ts";

/** How long a failed read waits for a fresh slot map before it reads the one it has. */
const SLOT_REFRESH_MS = 2_000;

/** Where a subscription's reads go and how one is unblocked: one server's way, or a cluster's. */
interface ReadRoute {
  /** A connection on the server `reader` is connected to, for its CLIENT UNBLOCK; null if none. */
  unblocker(reader: Redis): Redis | null;
  /** After a failed read on `reader`: a connection to where reads go now, or null to stay. */
  follow(reader: Redis, error: unknown): Promise<Redis | null>;
}

export class ReadConnection {
  #redis: Redis;
  #id: number | null = null;
  #closed = false;

  private constructor(redis: Redis, private readonly route: ReadRoute) {
    this.#redis = redis;
    this.#watch(redis);
  }

  /** A reader on one server: its UNBLOCK goes through the bus's commands connection. */
  static onServer(reader: Redis, commands: Redis): ReadConnection {
    return new ReadConnection(reader, {
      unblocker: () => commands,
      follow: () => Promise.resolve(null),
    });
  }

  /**
   * Opens the reader for `commands`' shape: on one server (`openServer`), or
   * on the master now serving `key`'s slot of a cluster (`openNode` connects
   * to one node as the subscription's reader).
   */
  static async open(
    commands: RedisClient,
    key: string,
    openServer: () => Promise<Redis>,
    openNode: (host: string, port: number) => Promise<Redis>,
  ): Promise<ReadConnection> {
    if (!isCluster(commands)) return ReadConnection.onServer(await openServer(), commands);
    const route = await SlotRoute.of(commands, key, openNode);
    return new ReadConnection(await route.openMaster(), route);
  }

  /** The connection the next read goes on. */
  get redis(): Redis {
    return this.#redis;
  }

  /** The reader's client id on its server, asked once per connection (a reconnect is a new client). */
  async clientId(): Promise<number> {
    const redis = this.#redis;
    const id = this.#id ?? Number(await redis.client("ID"));
    if (redis === this.#redis) this.#id = id;
    return id;
  }

  /** Ends the read blocked now, if there is one whose id is known; resolves when Redis answered. */
  unblock(): Promise<unknown> {
    const id = this.#id;
    if (id === null) return Promise.resolve();
    const via = this.route.unblocker(this.#redis);
    return via ? via.client("UNBLOCK", id) : Promise.resolve();
  }

  /**
   * After a failed read: true when reads go to another server from now on (a
   * failover or a MOVED on a cluster), so the next read need not back off.
   */
  async follow(error: unknown): Promise<boolean> {
    const next = await this.route.follow(this.#redis, error);
    if (!next) return false;
    if (this.#closed) {
      // Closed while it connected: the reads are over.
      await closeConnection(next);
      return false;
    }
    const previous = this.#redis;
    this.#redis = next;
    this.#id = null;
    this.#watch(next);
    // The old master is dead or a replica now: nothing it still owes a reply is worth waiting for.
    dropConnection(previous);
    return true;
  }

  /** Drops the socket: a read blocked on it fails at once. */
  drop(): void {
    this.#closed = true;
    dropConnection(this.#redis);
  }

  close(): Promise<void> {
    this.#closed = true;
    return closeConnection(this.#redis);
  }

  #watch(redis: Redis): void {
    // A reconnected socket is a new client with a new id.
    redis.on("close", () => {
      if (redis === this.#redis) this.#id = null;
    });
  }
}

/** `host:port`, as the slot map and MOVED name a node. */
function addressOf(redis: Redis): string {
  return `${redis.options.host}:${redis.options.port}`;
}

/** `host:port` into its parts; an IPv6 host keeps its colons. */
function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

class SlotRoute implements ReadRoute {
  private constructor(
    private readonly cluster: Cluster,
    private readonly slot: number,
    private readonly open: (host: string, port: number) => Promise<Redis>,
  ) {}

  static async of(
    cluster: Cluster,
    key: string,
    open: (host: string, port: number) => Promise<Redis>,
  ): Promise<SlotRoute> {
    const slot = Number(await cluster.cluster("KEYSLOT", key));
    return new SlotRoute(cluster, slot, open);
  }

  /** The master the Cluster client's slot map names for the slot. */
  #master(): string {
    const master = this.cluster.slots[this.slot]?.[0];
    if (!master) throw new Error(`No Redis cluster node serves slot ${this.slot}`);
    return master;
  }

  openMaster(): Promise<Redis> {
    const { host, port } = splitAddress(this.#master());
    return this.open(host, port);
  }

  /**
   * The Cluster client keeps one connection per node, and its commands
   * connection to the reader's node is on the same server: what UNBLOCK needs.
   * None when the client has just dropped that node (it is gone, or no longer
   * serves slots): the read then ends at its BLOCK timeout, or is dropped.
   */
  unblocker(reader: Redis): Redis | null {
    const address = addressOf(reader);
    return this.cluster.nodes("all").find((node) => addressOf(node) === address) ?? null;
  }

  async follow(reader: Redis, error: unknown): Promise<Redis | null> {
    const moved = error instanceof Error ? /^MOVED \d+ (\S+)/.exec(error.message)?.[1] : undefined;
    if (!moved) {
      // A lost connection or a node that is no replica of anything yet: ask the cluster.
      await settlesWithin(
        new Promise<void>((resolve) => this.cluster.refreshSlotsCache(() => resolve())),
        SLOT_REFRESH_MS,
      );
    }
    const target = moved ?? this.#master();
    if (target === addressOf(reader)) return null;
    const { host, port } = splitAddress(target);
    return await this.open(host, port);
  }
}
