/**
 * The frame of every store conformance suite (one per module, run by its
 * memory and its Redis store alike): a test per case, each on a new, empty
 * store that is closed and emptied however the case ends, and skipped when
 * the store's server is not configured.
 *
 * @module
 */
import type { Outbox } from "../lib/outbox.ts";
import { type BusStreams, RedisOutbox } from "../lib/redis_outbox.ts";
import { openKeyspace, type TestKeyspace } from "./redis.ts";

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
}

/** Registers one case as the test `name` (which should name the harness). */
export function storeCase<O extends OpenedStore<unknown>>(
  harness: StoreHarness<O>,
  name: string,
  body: (opened: O) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: !harness.available,
    async fn() {
      const opened = await harness.open();
      try {
        await body(opened);
      } finally {
        await opened.close();
      }
    },
  });
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
  return {
    name,
    available: url !== null,
    async open() {
      const keyspace = await openKeyspace(url!);
      const close = async () => {
        await keyspace.close();
      };
      try {
        return { ...await make(keyspace), close };
      } catch (error) {
        await close();
        throw error;
      }
    },
  };
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
