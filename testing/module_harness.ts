/**
 * For a module's own tests: the module started alone on a private memory bus
 * (with a memory or a Redis store), its routes on a root app with the
 * process's error handling, and an observer group recording what it publishes.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import type { Redis } from "ioredis";
import { createBus } from "../bus/factory.ts";
import type { Bus, Envelope, EventContract } from "../bus/types.ts";
import { type Logger, silentLogger } from "../lib/logger.ts";
import {
  type ModuleDefinition,
  moduleKeyPrefix,
  type RunningModule,
  type StoreKind,
} from "../lib/module.ts";
import { type Settings, testSettings } from "../lib/settings.ts";
import { connectRedis, deleteKeys } from "./redis.ts";
import { routedApp } from "./routed_app.ts";
import { uniqueName } from "./services.ts";

export interface ModuleOptions {
  /** Default "memory". */
  store?: StoreKind;
  /** Where a "redis" store keeps its keys. */
  redisUrl?: string | null;
  /** What the observer records in `seen`; it subscribes before the module starts. */
  observe?: readonly EventContract[];
  /** Default `testSettings()`. */
  settings?: Settings;
  /** Default silent. */
  log?: Logger;
  /** The `source` of what the test publishes on the bus. Default "test". */
  source?: string;
  /** Reuse a keyspace, as a restarted process would. Default: a new one. */
  keyPrefix?: string;
}

export interface ModuleHarness {
  bus: Bus;
  module: RunningModule;
  app: Hono;
  /** What the observer saw, in arrival order. */
  seen: Envelope[];
  keyPrefix: string;
  /**
   * Stops the module and the bus, then checks that no request hit an
   * unexpected error and (on Redis) that every key the run wrote lies in the
   * module's own keyspace; the keys are deleted either way.
   */
  stop(): Promise<void>;
}

export async function startModule(
  definition: ModuleDefinition,
  options: ModuleOptions = {},
): Promise<ModuleHarness> {
  const store = options.store ?? "memory";
  const keyPrefix = options.keyPrefix ?? `${uniqueName("t")}:`;
  const bus = await createBus(`memory://${uniqueName(definition.name)}`, {
    source: options.source ?? "test",
  });
  let redis: Redis | null = null;
  let module: RunningModule | null = null;
  const seen: Envelope[] = [];
  try {
    if (store === "redis") redis = await connectRedis(options.redisUrl!);
    const observer = options.observe?.length
      ? await bus.subscribe("observer", options.observe, (envelope) => void seen.push(envelope))
      : null;
    module = await definition.start({
      bus,
      store,
      redis,
      keyPrefix,
      settings: options.settings ?? testSettings(),
      log: options.log ?? silentLogger,
    });
    const { app, unexpected } = routedApp(module.routes);
    const running = module;
    const connection = redis;
    return {
      bus,
      module,
      app,
      seen,
      keyPrefix,
      async stop() {
        let keys: string[] = [];
        try {
          await observer?.close();
          await running.stop();
          await bus.close({ graceMs: 200 });
          assert.deepEqual(unexpected, []);
        } finally {
          if (connection) {
            try {
              keys = await deleteKeys(connection, keyPrefix);
            } finally {
              await connection.quit();
            }
          }
        }
        const own = moduleKeyPrefix(keyPrefix, definition.name);
        assert.ok(keys.every((key) => key.startsWith(own)), `keys outside ${own}: ${keys}`);
      },
    };
  } catch (error) {
    await module?.stop();
    await bus.close({ graceMs: 200 });
    if (redis) {
      await deleteKeys(redis, keyPrefix);
      await redis.quit();
    }
    throw error;
  }
}

/** Runs `body` on a started module and stops it however `body` ends. */
export async function withModule(
  definition: ModuleDefinition,
  options: ModuleOptions,
  body: (harness: ModuleHarness) => Promise<void>,
): Promise<void> {
  const harness = await startModule(definition, options);
  try {
    await body(harness);
  } finally {
    await harness.stop();
  }
}

/**
 * The test registrar of one module on one store kind: each test is named
 * `<module> on a <store> store: <name>` and runs in `run`; the Redis ones are
 * skipped when `redisUrl` is null.
 */
export function storeTests<H>(
  module: string,
  store: StoreKind,
  redisUrl: string | null,
  run: (store: StoreKind, body: (h: H) => Promise<void>) => Promise<void>,
): (name: string, fn: (h: H) => Promise<void>) => void {
  return (name, fn) =>
    Deno.test({
      name: `${module} on a ${store} store: ${name}`,
      ignore: store === "redis" && !redisUrl,
      fn: () => run(store, fn),
    });
}
