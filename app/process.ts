/**
 * One bazaar process: the bus, the stores' Redis connection, the modules it was
 * told to run, and one HTTP app with their routes plus /health, /ready,
 * /openapi.json and /docs.
 *
 * @module
 */
import { Hono } from "hono";
import { DEFAULT_CLOSE_GRACE_MS } from "../bus/defaults.ts";
import { createBus } from "../bus/factory.ts";
import {
  boundedWaits,
  closeConnection,
  dropConnection,
  openConnection,
} from "../bus/redis/connection.ts";
import { RedisBus } from "../bus/redis/bus.ts";
import { type ConnectionRole, roundTrips } from "../bus/redis/round_trips.ts";
import type { Bus, SubscribeOptions } from "../bus/types.ts";
import { requireSameOriginForCookies } from "../lib/auth.ts";
import { installErrorHandling } from "../lib/http.ts";
import type { Logger } from "../lib/logger.ts";
import { type ModuleName, ownsData, type RunningModule, type StoreKind } from "../lib/module.ts";
import { openApiDocument, type RouteDoc } from "../lib/openapi.ts";
import { busRetentionOf, replicaWaitSetting, type Settings } from "../lib/settings.ts";
import { isCluster, type RedisClient, requireReplicas } from "../lib/redis_client.ts";
import type { Gauge } from "../lib/metrics.ts";
import { settlesWithin } from "../lib/async/settles_within.ts";
import { withTimeout } from "../lib/async/with_timeout.ts";
import { VERSION } from "./config.ts";
import { docsRoutes } from "./docs.ts";
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
   * grace) and Redis, and ends within the grace whatever the brokers do: what
   * is still waiting on one a command timeout before the end is cut off.
   */
  stop(graceMs?: number): Promise<void>;
}

const PING_TIMEOUT_MS = 2_000;
/** What stop() keeps of its grace, past the command timeout, for what a cut leaves to fail. */
const CUT_SLACK_MS = 500;

/** A connection that is not up fails at once: /ready need not wait for a command to time out. */
function pingRedis(redis: RedisClient): Promise<unknown> {
  if (redis.status !== "ready") {
    return Promise.reject(new Error(`Redis connection is ${redis.status}`));
  }
  return redis.ping();
}

/** Connects once at start-up (a wrong password, CA or address fails here), then never gives up. */
function connectRedis(url: string, log: Logger, commandTimeoutMs: number): Promise<RedisClient> {
  // As the bus's connections: rediss:// with REDIS_TLS_CA and friends, and no
  // command waits longer than REDIS_COMMAND_TIMEOUT_MS, sent or queued through
  // a reconnect (a request gets a 503, never a hang); reconnecting never gives up.
  return openConnection(
    url,
    "bazaar:store",
    {
      enableAutoPipelining: true,
      ...boundedWaits(commandTimeoutMs),
    },
    log,
    "store",
  );
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
  const storeUrl = options.redisUrl ?? "redis://127.0.0.1:6379";
  const redis = options.store === "redis"
    ? await connectRedis(storeUrl, log.child({ part: "store" }), settings.redisCommandTimeoutMs)
    : null;
  // REDIS_WAIT_REPLICAS: every store write and bus publish waits for its replicas.
  const replicaWait = replicaWaitSetting(settings);
  if (redis && replicaWait) requireReplicas(redis, replicaWait);
  const connected = await createBus(options.busUrl, {
    source: "bazaar",
    namespace: options.namespace,
    commandTimeoutMs: settings.redisCommandTimeoutMs,
    ...(replicaWait ? { waitReplicas: replicaWait } : {}),
    ...busRetentionOf(settings),
    log,
  }).catch((error) => {
    redis?.disconnect();
    throw error;
  });
  const observe = observability(log.child({ part: "observe" }));
  const instrumented = observe.instrument(
    withSubscribeDefaults(connected, { ackDeadlineMs: settings.busAckDeadlineMs }),
  );
  const bus = options.wrapBus ? options.wrapBus(instrumented) : instrumented;
  // Stores and bus on one Redis server: the stores' scripts write their events straight into
  // the bus's streams, with the state change (lib/redis_outbox.ts), rather than through a
  // relay. Not on a cluster: a module's keys and the bus's streams are in different slots.
  const busStreams =
    redis && !isCluster(redis) && connected instanceof RedisBus && options.busUrl === storeUrl
      ? connected.streams
      : null;
  const modules: RunningModule[] = [];
  try {
    for (const name of options.modules) {
      modules.push(
        await MODULES[name].start({
          bus,
          store: options.store,
          redis,
          keyPrefix: options.keyPrefix ?? "",
          busStreams,
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
  // Before every handler: a cross-site request riding the session cookie writes nothing.
  app.use("*", requireSameOriginForCookies());
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
      modules.filter((m) => ownsData(m.name)).map(async (m) => ({
        group: m.name,
        ...(await bus.backlog(m.name)),
      })),
    );
    pending.set(backlogs.map((b) => ({ labels: { group: b.group }, value: b.pending })));
    lag.set(backlogs.map((b) => ({ labels: { group: b.group }, value: b.lag })));
  });
  const trips = observe.registry.counter(
    "redis_round_trips_total",
    "Writes to a Redis socket (a command, a pipeline or an auto-pipelined tick), by connection role",
  );
  const tripsSeen: Record<string, number> = {};
  observe.registry.collect(() => {
    for (const [role, total] of Object.entries(roundTrips()) as [ConnectionRole, number][]) {
      trips.inc({ role }, total - (tripsSeen[role] ?? 0));
      tripsSeen[role] = total;
    }
    return Promise.resolve();
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
  // The whole system's API, whichever modules run here: a gateway may send /docs anywhere.
  const docs: RouteDoc[] = [...Object.values(MODULES).flatMap((m) => m.docs), ...adminDocs];

  app.get(
    "/health",
    (c) => c.json({ status: "ok", version: VERSION, modules: names, currency: settings.currency }),
  );
  app.get("/ready", async (c) => {
    const checks: Record<string, string> = {};
    const check = async (name: string, probe: () => Promise<unknown>) => {
      try {
        await withTimeout(
          probe(),
          PING_TIMEOUT_MS,
          `${name} did not answer within ${PING_TIMEOUT_MS} ms`,
        );
        checks[name] = "ok";
      } catch (error) {
        checks[name] = (error as Error).message || "unreachable";
      }
    };
    await Promise.all([
      check("bus", () => bus.ping()),
      ...(redis ? [check("redis", () => pingRedis(redis))] : []),
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
  app.route("/", docsRoutes(VERSION));
  for (const module of modules) app.route("/", module.routes);
  app.route("/", adminRoutes(bus, settings));

  let stopped: Promise<void> | null = null;
  const stop = (graceMs = DEFAULT_CLOSE_GRACE_MS) => {
    stopped ??= (async () => {
      // Every broker call fails within its timeout, so each step below is
      // bounded; but a stalled broker makes them many. Past `cutAt` what is left
      // cannot be finished: what the modules hold stays pending (or in their
      // outboxes), and a process redoes it after the ack deadline.
      const slack = Math.min(graceMs / 2, settings.redisCommandTimeoutMs + CUT_SLACK_MS);
      const cutAt = graceMs - slack;
      const orderly = (async () => {
        await Promise.allSettled(modules.map((m) => m.stop()));
        await bus.close({ graceMs: cutAt });
        if (redis) await closeConnection(redis);
      })();
      if (await settlesWithin(orderly, cutAt)) return;
      log.warn("Brokers are not answering: stopping without them", { grace_ms: graceMs });
      if (redis) dropConnection(redis);
      bus.close({ graceMs: 0 }).catch((error) => log.warn("Closing the bus failed", { error }));
      if (!await settlesWithin(orderly, slack)) {
        log.warn("Stopped with work unfinished; other processes take it over", {
          grace_ms: graceMs,
        });
      }
    })();
    return stopped;
  };
  return { app, bus, modules, stop };
}
