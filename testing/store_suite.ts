/**
 * The frame of every store conformance suite (one per module, run by its
 * memory and its Redis store alike, and by the Redis store on a private Redis
 * Cluster): a test per case, each on a new, empty store that is closed and
 * emptied however the case ends, and skipped when the store's server is not
 * configured.
 *
 * @module
 */
import type { Cluster } from "ioredis";
import type { Outbox } from "../lib/outbox.ts";
import type { RedisClient } from "../lib/redis_client.ts";
import { type BusStreams, RedisOutbox } from "../lib/redis_outbox.ts";
import { brokersAvailable } from "./brokers.ts";
import { openClusterKeyspace, openKeyspace, type TestKeyspace } from "./redis.ts";
import { RedisCluster } from "./redis_cluster.ts";

export interface OpenedStore<S> {
  store: S;
  /** Closes the store's connections and deletes everything it wrote. */
  close(): Promise<void>;
}

export interface StoreHarness<O extends OpenedStore<unknown>> {
  /** Names the implementation in every test name ("memory", "redis"). */
  name: string;
  /** False skips the suite (its server is not configured; `serviceUrl` said so loudly). */
  available: boolean;
  /** A new, empty store. */
  open(): Promise<O>;
  /** Registers a case that runs `fn`; without it, each case is a test of its own. */
  register?(name: string, fn: () => Promise<void>): void;
}

/** Registers one case as the test `name` (which should name the harness). */
export function storeCase<O extends OpenedStore<unknown>>(
  harness: StoreHarness<O>,
  name: string,
  body: (opened: O) => Promise<void>,
): void {
  const fn = async () => {
    const opened = await harness.open();
    try {
      await body(opened);
    } finally {
      await opened.close();
    }
  };
  if (harness.register) harness.register(name, fn);
  else Deno.test({ name, ignore: !harness.available, fn });
}

/** Every case gets a store of its own from `make`; there is nothing to delete. */
export function memoryStoreHarness<S>(make: () => S): StoreHarness<OpenedStore<S>> {
  return {
    name: "memory",
    available: true,
    open: () => Promise.resolve({ store: make(), close: () => Promise.resolve() }),
  };
}

/**
 * Every case gets a keyspace of its own on the Redis at `url` (null skips the
 * suite) and the store `make` builds in it; closing deletes the keyspace.
 */
export function redisStoreHarness<T extends { store: unknown }>(
  url: string | null,
  make: (keyspace: TestKeyspace) => T | Promise<T>,
  name = "redis",
): StoreHarness<T & OpenedStore<T["store"]>> {
  return { name, available: url !== null, open: () => storeIn(openKeyspace(url!), make) };
}

/** The store `make` builds in the keyspace `opening` opens; closing deletes the keyspace. */
async function storeIn<C extends RedisClient, T extends { store: unknown }>(
  opening: Promise<TestKeyspace<C>>,
  make: (keyspace: TestKeyspace<C>) => T | Promise<T>,
): Promise<T & OpenedStore<T["store"]>> {
  const keyspace = await opening;
  const close = async () => {
    await keyspace.close();
  };
  try {
    return { ...await make(keyspace), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** `redisStoreHarness` for a store whose constructor takes the connection and key prefix. */
export function redisStoreOf<S>(
  url: string | null,
  Store: new (redis: TestKeyspace["redis"], keyPrefix: string) => S,
): StoreHarness<{ store: S } & OpenedStore<S>> {
  return redisStoreHarness(url, ({ redis, keyPrefix }) => ({ store: new Store(redis, keyPrefix) }));
}

/**
 * A Redis store both ways a process runs it: its events through its outbox
 * (redisStoreOf), and straight into the bus's streams (redisBusStoreOf).
 */
export function redisStoresOf<S extends { outbox: Outbox }>(
  url: string | null,
  Store: new (redis: TestKeyspace["redis"], keyPrefix: string, streams?: BusStreams | null) => S,
): StoreHarness<{ store: S } & OpenedStore<S>>[] {
  return [
    redisStoreOf(url, Store),
    redisBusStoreOf(url, (redis, keyPrefix, streams) => new Store(redis, keyPrefix, streams)),
  ];
}

/**
 * A Redis store whose events go straight into a Redis bus's streams, as when
 * the bus runs on the stores' server (lib/redis_outbox.ts): here every type's
 * stream is one stream of the keyspace, which the suite reads as the store's
 * outbox (so its cases check the same events, in the same order).
 */
export function redisBusStoreOf<S extends { outbox: Outbox }>(
  url: string | null,
  make: (redis: TestKeyspace["redis"], keyPrefix: string, streams: BusStreams) => S,
): StoreHarness<{ store: S } & OpenedStore<S>> {
  return redisStoreHarness(url, ({ redis, keyPrefix }) => {
    const bus = `${keyPrefix}bus`;
    const store = make(redis, keyPrefix, { streamOf: () => bus, appended: () => {} });
    const published = new RedisOutbox(redis, bus);
    // Methods bound to the store itself: its private fields are not the proxy's.
    const seen = new Proxy(store, {
      get(target, key) {
        if (key === "outbox") return published;
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return { store: seen };
  }, "redis, events straight into the bus");
}

/**
 * Store suites on a private Redis Cluster (three masters, a replica each), one
 * cluster per test file, as one forms in seconds and a case takes a fraction of
 * that: the cases registered through its harnesses (and `test`) run as the
 * steps of one test, `name`, which opens the cluster before the first and
 * closes it after the last. Each case gets a keyspace of its own and cluster
 * clients (ioredis `Cluster`), so a script, pipeline or MULTI whose keys span
 * slots fails it. Skipped loudly without redis-server (brokers.ts).
 *
 * A store there gets no bus streams: the bus's keys sit in other slots than a
 * module's, so its events go through its outbox (lib/redis_outbox.ts).
 */
export class RedisClusterStores {
  readonly available = brokersAvailable("redis-server");
  readonly #cases: { name: string; fn: () => Promise<void> }[] = [];
  #cluster: RedisCluster | null = null;

  constructor(name: string) {
    Deno.test({
      name,
      ignore: !this.available,
      fn: async (t) => {
        this.#cluster = await RedisCluster.open({ masters: 3, replicas: 1 });
        try {
          for (const { name, fn } of this.#cases) await t.step(name, fn);
        } finally {
          await this.#cluster.close();
          this.#cluster = null;
        }
      },
    });
  }

  /** The cluster while the suite runs. */
  get cluster(): RedisCluster {
    if (!this.#cluster) throw new Error("The Redis Cluster runs only while its suite's test does");
    return this.#cluster;
  }

  /** Every case gets a keyspace of its own on the cluster and the store `make` builds there. */
  harness<T extends { store: unknown }>(
    make: (keyspace: TestKeyspace<Cluster>) => T | Promise<T>,
    name = "redis cluster",
  ): StoreHarness<T & OpenedStore<T["store"]>> {
    return {
      name,
      available: this.available,
      open: () => storeIn(openClusterKeyspace(this.cluster), make),
      register: (caseName, fn) => void this.#cases.push({ name: caseName, fn }),
    };
  }

  /** `harness` for a store whose constructor takes the client and key prefix. */
  storeOf<S>(
    Store: new (redis: Cluster, keyPrefix: string) => S,
  ): StoreHarness<{ store: S } & OpenedStore<S>> {
    return this.harness(({ redis, keyPrefix }) => ({ store: new Store(redis, keyPrefix) }));
  }

  /** A case of its own on a keyspace of the cluster, deleted and closed however it ends. */
  test(name: string, body: (keyspace: TestKeyspace<Cluster>) => Promise<void>): void {
    this.#cases.push({
      name,
      fn: async () => {
        const keyspace = await openClusterKeyspace(this.cluster);
        try {
          await body(keyspace);
        } finally {
          await keyspace.close();
        }
      },
    });
  }
}
