/**
 * One bazaar process: the bus, the stores' Redis connection, the modules it was
 * told to run, and one HTTP app with their routes plus /health, /ready,
 * /openapi.json and /docs.
 *
 * @module
 */
import { Hono } from "hono";
import { Redis } from "ioredis";
import { DEFAULT_CLOSE_GRACE_MS } from "../bus/defaults.ts";
import { createBus } from "../bus/factory.ts";
import type { Bus, SubscribeOptions } from "../bus/types.ts";
import { installErrorHandling } from "../lib/http.ts";
import type { Logger } from "../lib/logger.ts";
import type { ModuleName, RunningModule, StoreKind } from "../lib/module.ts";
import { openApiDocument, type RouteDoc } from "../lib/openapi.ts";
import type { Settings } from "../lib/settings.ts";
import type { Gauge } from "../lib/metrics.ts";
import { settlesWithin } from "./_timers.ts";
import { VERSION } from "./config.ts";
import { docsPage } from "./docs.ts";
import { adminDocs, adminRoutes } from "./admin.ts";
import { MODULES } from "./modules.ts";
import { observability } from "./observe.ts";

export interface ProcessOptions {
  modules: readonly ModuleName[];
  /** A bus URL: `memory://name`, `redis://…`, `nats://…`. */
  busUrl: string;
  namespace: string;
  store: StoreKind;
  redisUrl: string | null;
  keyPrefix?: string;
  settings: Settings;
  log: Logger;
  /** Tests wrap the bus (to hold one event type back, say); the wrapper is closed like the bus. */
  wrapBus?: (bus: Bus) => Bus;
}

export interface BazaarProcess {
  app: Hono;
  bus: Bus;
  modules: RunningModule[];
  /**
   * Stops modules, then closes the bus (in-flight handlers finish within the
   * grace) and Redis. With Redis unreachable past the grace, it cuts the store
   * connection so nothing waits on it for ever, and ends a few seconds later.
   */
  stop(graceMs?: number): Promise<void>;
}

const PING_TIMEOUT_MS = 2_000;
/** How long stop() waits past its grace before it cuts the store connection. */
const CUT_AFTER_GRACE_MS = 1_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function connectRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, {
    // Commands wait through a reconnect instead of failing at once…
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    // …and reconnecting never gives up, backing off to one try a second.
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });
  redis.on("error", (error) => log.debug("Redis connection error", { error }));
  return redis;
}

/**
 * Fails every command waiting on the store connection, and closes it. Commands
 * wait through reconnects, so with Redis unreachable a module's stop (its last
 * sweep, its outbox's last drain) and any request in flight would wait for
 * ever. disconnect() alone does not fail them while ioredis waits to reconnect
 * (it only cancels the reconnect timer); refusing further reconnects does: the
 * next attempt, within a second, ends the connection and rejects its queue.
 */
function cutConnection(redis: Redis): void {
  redis.options.retryStrategy = () => null;
  if (redis.status !== "reconnecting") redis.disconnect();
}

/**
 * Subscriptions get the process's defaults (its ack deadline) unless they ask
 * for their own. Everything else is the bus's own, whatever the Bus interface
 * grows (methods bound to the bus: adapters keep their state in # fields).
 */
function withSubscribeDefaults(bus: Bus, defaults: SubscribeOptions): Bus {
  const subscribe: Bus["subscribe"] = (group, events, handler, options) =>
    bus.subscribe(group, events, handler, { ...defaults, ...options });
  return new Proxy(bus, {
    get(target, key) {
      if (key === "subscribe") return subscribe;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export async function startProcess(options: ProcessOptions): Promise<BazaarProcess> {
  const { log, settings } = options;
  const redis = options.store === "redis"
    ? connectRedis(options.redisUrl ?? "redis://127.0.0.1:6379", log.child({ part: "store" }))
    : null;
  const connected = await createBus(options.busUrl, {
    source: "bazaar",
    namespace: options.namespace,
    retention: settings.busRetention,
  });
  const observe = observability(log.child({ part: "observe" }));
  const instrumented = observe.instrument(
    withSubscribeDefaults(connected, { ackDeadlineMs: settings.busAckDeadlineMs }),
  );
  const bus = options.wrapBus ? options.wrapBus(instrumented) : instrumented;
  const modules: RunningModule[] = [];
  try {
    for (const name of options.modules) {
      modules.push(
        await MODULES[name].start({
          bus,
          store: options.store,
          redis,
          keyPrefix: options.keyPrefix ?? "",
          settings,
          log: log.child({ module: name }),
        }),
      );
    }
  } catch (error) {
    await Promise.allSettled(modules.map((m) => m.stop()));
    await bus.close({ graceMs: 0 });
    redis?.disconnect();
    throw error;
  }

  const app = new Hono();
  installErrorHandling(app, (error) => log.error("Unhandled error in a request", { error }));
  app.use("*", observe.http);
  const deadLetters = observe.registry.gauge(
    "bus_dead_letters",
    "Dead-lettered messages waiting for a replay, by group",
  );
  observe.registry.collect(async () => {
    const counts = new Map<string, number>();
    for (const letter of await bus.deadLetters.list(undefined, 10_000)) {
      counts.set(letter.group, (counts.get(letter.group) ?? 0) + 1);
    }
    deadLetters.set([...counts].map(([group, value]) => ({ labels: { group }, value })));
  });
  const pending = observe.registry.gauge(
    "bus_pending_messages",
    "Messages delivered to a group and not yet acknowledged, by group",
  );
  const lag = observe.registry.gauge(
    "bus_lag_messages",
    "Retained messages not yet delivered to a group, by group",
  );
  observe.registry.collect(async () => {
    const backlogs = await Promise.all(
      modules.map(async (m) => ({ group: m.name, ...(await bus.backlog(m.name)) })),
    );
    pending.set(backlogs.map((b) => ({ labels: { group: b.group }, value: b.pending })));
    lag.set(backlogs.map((b) => ({ labels: { group: b.group }, value: b.lag })));
  });
  for (const module of modules) {
    if (!module.gauges) continue;
    const gauges = new Map<string, Gauge>();
    observe.registry.collect(async () => {
      for (const reading of await module.gauges!()) {
        let gauge = gauges.get(reading.name);
        if (!gauge) {
          gauge = observe.registry.gauge(reading.name, reading.help);
          gauges.set(reading.name, gauge);
        }
        gauge.set(reading.samples);
      }
    });
  }
  const names = modules.map((m) => m.name);
  const docs: RouteDoc[] = [...modules.flatMap((m) => m.docs), ...adminDocs];

  app.get("/health", (c) => c.json({ status: "ok", version: VERSION, modules: names }));
  app.get("/ready", async (c) => {
    const checks: Record<string, string> = {};
    const check = async (name: string, probe: () => Promise<unknown>) => {
      try {
        await withTimeout(probe(), PING_TIMEOUT_MS, name);
        checks[name] = "ok";
      } catch (error) {
        checks[name] = (error as Error).message || "unreachable";
      }
    };
    await Promise.all([
      check("bus", () => bus.ping()),
      ...(redis ? [check("redis", () => redis.ping())] : []),
      ...modules.map((m) => check(m.name, () => m.ready())),
    ]);
    const ready = Object.values(checks).every((v) => v === "ok");
    return c.json({ status: ready ? "ready" : "unavailable", checks }, ready ? 200 : 503);
  });
  app.get("/metrics", async (c) =>
    c.text(await observe.registry.render(), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    }));
  app.get("/openapi.json", (c) => c.json(openApiDocument(docs, VERSION)));
  app.get("/docs", (c) => c.html(docsPage(docs, VERSION)));
  for (const module of modules) app.route("/", module.routes);
  app.route("/", adminRoutes(bus, settings));

  let stopped: Promise<void> | null = null;
  const stop = (graceMs = DEFAULT_CLOSE_GRACE_MS) => {
    stopped ??= (async () => {
      const orderly = (async () => {
        await Promise.allSettled(modules.map((m) => m.stop()));
        await bus.close({ graceMs });
        if (redis) await redis.quit().catch(() => redis.disconnect());
      })();
      let wait = graceMs + CUT_AFTER_GRACE_MS;
      while (redis && !await settlesWithin(orderly, wait)) {
        // Slow but connected: every step left is bounded, so let it finish.
        wait = CUT_AFTER_GRACE_MS;
        if (redis.status === "ready") continue;
        // Unreachable: nothing left can be finished. What the modules hold
        // stays pending, and another process redoes it after the ack deadline.
        log.warn("Redis is unreachable past the grace: stopping without it", { grace_ms: graceMs });
        cutConnection(redis);
        // The bus's commands wait the same way (an outbox relay's last publish): close it now.
        bus.close({ graceMs: 0 }).catch((error) => log.warn("Closing the bus failed", { error }));
        break;
      }
      await orderly;
    })();
    return stopped;
  };
  return { app, bus, modules, stop };
}
