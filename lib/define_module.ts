/**
 * A data module as a declaration: its store, its handler table, and how its
 * use cases, routes and background workers are wired. `defineModule` owns the
 * order every module starts and stops in, so no `mod.ts` writes it again:
 *
 * 1. open the store;
 * 2. start the outbox relay and wake it at once, for what a crash left behind;
 * 3. subscribe the handler table in the module's consumer group;
 * 4. start the workers (timers, delivery loops);
 *
 * and stop in reverse: workers, subscription (handlers finish), relay (its last
 * drain publishes what the handlers wrote), store.
 *
 * @module
 */
import type { Hono } from "hono";
import { eventsOf, type HandlerTable, tableHandler } from "./handlers.ts";
import type { Logger } from "./logger.ts";
import type {
  DataModuleName,
  ModuleContext,
  ModuleDefinition,
  ModuleGauge,
  RunningModule,
} from "./module.ts";
import type { RouteDoc } from "./openapi.ts";
import { type Outbox, OutboxRelay } from "./outbox.ts";
import type { RedisClient } from "./redis_client.ts";

/** What every module store offers the start-up: its outbox and a health check. */
export interface ModuleStore {
  readonly outbox: Outbox;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  /** Lets go of what the store holds (timers, connections it opened itself). */
  close?(): Promise<void>;
}

/** Something that runs in the background while the module runs. */
export interface ModuleWorker {
  start(): void;
  /** Resolves once the worker has stopped (work in progress finished or handed back). */
  stop(): Promise<void>;
}

/** What `wire` hands a module to build its parts from. */
export interface WiringKit<St extends ModuleStore> {
  context: ModuleContext;
  /** The context's logger, labelled with the module's name. */
  log: Logger;
  store: St;
  /** Tells the outbox relay there is something new to publish. */
  wakeRelay(): void;
}

/** The module's parts, built from its store. */
export interface ModuleWiring<S> {
  /** The use cases, which the handler table and the routes hand off to. */
  service: S;
  routes: Hono;
  /** Started after subscribing, in order; stopped first, in reverse. */
  workers?: readonly ModuleWorker[];
  gauges?(): Promise<ModuleGauge[]>;
}

export interface ModuleDeclaration<St extends ModuleStore, S> {
  name: DataModuleName;
  /** The module's routes for /openapi.json (static: every process documents every module). */
  docs: readonly RouteDoc[];
  /** The consumer group every process of the module shares (from its `events.ts`). */
  group: string;
  handlers: HandlerTable<S>;
  /** The module's two stores, one held to the other by its conformance suite. */
  stores: {
    memory(context: ModuleContext): St;
    /**
     * Adds `"{<module>}:"` to `keyPrefix` itself (`moduleKeyPrefix`): every key it writes
     * starts with both, and shares the module's hash tag (one Redis Cluster slot).
     */
    redis(redis: RedisClient, keyPrefix: string, context: ModuleContext): St;
  };
  wire(kit: WiringKit<St>): ModuleWiring<S>;
}

/** The module definition the program runs, from a module's declaration. */
export function defineModule<St extends ModuleStore, S>(
  declaration: ModuleDeclaration<St, S>,
): ModuleDefinition {
  const { name, docs, group, handlers } = declaration;
  return {
    name,
    docs,
    async start(context): Promise<RunningModule> {
      const log = context.log.child({ module: name });
      const store = openStore(declaration, context);
      const relay = new OutboxRelay(store.outbox, context.bus, log);
      const wiring = declaration.wire({ context, log, store, wakeRelay: () => relay.wake() });
      relay.start();
      relay.wake();
      let subscription;
      try {
        subscription = await context.bus.subscribe(
          group,
          eventsOf(handlers),
          tableHandler(handlers, wiring.service, log),
        );
      } catch (error) {
        await relay.stop();
        await store.close?.();
        throw error;
      }
      const workers = wiring.workers ?? [];
      for (const worker of workers) worker.start();
      const subscribed = subscription;
      const running: RunningModule = {
        name,
        routes: wiring.routes,
        ready: () => store.ping(),
        async stop() {
          for (const worker of [...workers].reverse()) await worker.stop();
          await subscribed.close();
          await relay.stop();
          await store.close?.();
        },
      };
      if (wiring.gauges) running.gauges = wiring.gauges;
      return running;
    },
  };
}

/** The store `context.store` names; a "redis" store needs the context's Redis connection. */
function openStore<St extends ModuleStore>(
  { name, stores }: ModuleDeclaration<St, unknown>,
  context: ModuleContext,
): St {
  if (context.store === "memory") return stores.memory(context);
  if (!context.redis) {
    throw new Error(`The ${name} module needs a Redis connection for store "redis"`);
  }
  return stores.redis(context.redis, context.keyPrefix, context);
}
