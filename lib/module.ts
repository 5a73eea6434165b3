/**
 * What a module is to the program that runs it: a name, and a `start` that
 * opens its store, subscribes its handlers and returns its HTTP routes.
 *
 * @module
 */
import type { Hono } from "hono";
import type { Labels } from "./metrics.ts";
import type { Bus } from "../bus/mod.ts";
import type { Logger } from "./logger.ts";
import type { RedisClient } from "./redis_client.ts";
import type { BusStreams } from "./redis_outbox.ts";
import type { RouteDoc } from "./openapi.ts";
import type { Settings } from "./settings.ts";

export const MODULE_NAMES = ["inventory", "accounts", "orders", "messaging", "web"] as const;
export type ModuleName = typeof MODULE_NAMES[number];

/**
 * The modules that own data and talk over the bus. `web` serves pages only: it
 * owns no keys and subscribes to nothing, so it may run anywhere, alone.
 */
export const DATA_MODULE_NAMES = ["inventory", "accounts", "orders", "messaging"] as const;
export type DataModuleName = typeof DATA_MODULE_NAMES[number];

/** Whether `name` owns data (a keyspace and a consumer group). */
export function ownsData(name: ModuleName): name is DataModuleName {
  return (DATA_MODULE_NAMES as readonly string[]).includes(name);
}

/**
 * Where a module's Redis keys start: `<keyPrefix>{<module>}:`. The braces are
 * a Redis Cluster hash tag: only `<module>` decides a key's slot, so all of a
 * module's keys live in one slot, where a script, a MULTI or an MGET may take
 * any of them together (a cluster refuses keys of different slots). One layout
 * on one server and on a cluster alike.
 */
export function moduleKeyPrefix(keyPrefix: string, module: ModuleName): string {
  return `${keyPrefix}{${module}}:`;
}

export type StoreKind = "memory" | "redis";

export interface ModuleContext {
  bus: Bus;
  store: StoreKind;
  /**
   * The Redis connection (or cluster client) when `store` is "redis". A module
   * touches only keys that start with `moduleKeyPrefix(keyPrefix, module)`.
   */
  redis: RedisClient | null;
  /** Empty in production; tests set one so runs on a shared Redis stay apart. */
  keyPrefix: string;
  /**
   * The bus's streams when the bus is Redis on the stores' own server: a Redis
   * store's scripts then write events straight into them (lib/redis_outbox.ts).
   * Null on a Redis Cluster, where they sit in other slots than the module's
   * keys: the stores' events go through their outboxes and relays there.
   */
  busStreams?: BusStreams | null;
  settings: Settings;
  log: Logger;
}

export interface RunningModule {
  name: ModuleName;
  /** Routes, all under `/<name>` (orders: `/orders`; web: its pages and assets). */
  routes: Hono;
  /** Throws when the module's store cannot be reached. */
  ready(): Promise<void>;
  /** Stops handlers, timers and the outbox relay; the caller closes the bus and Redis. */
  stop(): Promise<void>;
  /** Gauges the module can tell about its own state (orders by status, say), read at scrape time. */
  gauges?(): Promise<ModuleGauge[]>;
}

export interface ModuleGauge {
  name: string;
  help: string;
  samples: { labels: Labels; value: number }[];
}

export interface ModuleDefinition {
  name: ModuleName;
  /**
   * The module's routes for /openapi.json. Static, so every process documents
   * the whole system's API, not only the modules it runs.
   */
  docs: readonly RouteDoc[];
  start(context: ModuleContext): Promise<RunningModule>;
}
