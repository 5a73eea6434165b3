/**
 * The orders module running on a memory bus (and a memory or Redis store)
 * with fake inventory and accounts around it, for the saga tests.
 *
 * @module
 */
import type { Hono } from "hono";
import type { Redis } from "ioredis";
import { createBus } from "../../../bus/factory.ts";
import type { Bus } from "../../../bus/types.ts";
import { signCustomerToken } from "../../../lib/auth.ts";
import { silentLogger } from "../../../lib/logger.ts";
import type { RunningModule } from "../../../lib/module.ts";
import { type Settings, testSettings } from "../../../lib/settings.ts";
import { connectRedis, deleteKeys } from "../../redis.ts";
import { routedApp } from "../../routed_app.ts";
import { uniqueName } from "../../services.ts";
import { playOtherModules, type World, world as newWorld } from "./fakes.ts";
import { ordersModule } from "../../../modules/orders/mod.ts";

export interface System {
  bus: Bus;
  world: World;
  modules: RunningModule[];
  app: Hono;
  token: string;
  admin: string;
  /** POST /orders as cus_1; waits for a terminal status up to `wait` seconds. */
  place(items: { product_id: string; quantity: number }[], wait?: number): Promise<Response>;
  get(id: string): Promise<{ status: string; [key: string]: unknown }>;
  cancel(id: string): Promise<Response>;
}

export interface SystemOptions {
  settings?: Partial<Settings>;
  world?: Partial<World>;
  /** A Redis URL to keep orders in (otherwise memory); `processes` then share it. */
  redisUrl?: string;
  /** How many orders processes run (competing in the "orders" group). */
  processes?: number;
}

export async function withSystem(
  options: SystemOptions,
  body: (system: System) => Promise<void>,
): Promise<void> {
  const settings = testSettings(options.settings);
  const bus = await createBus(`memory://${uniqueName("orders")}`, { source: "test" });
  let redis: Redis | null = null;
  const keyPrefix = `${uniqueName("test")}:`;
  const modules: RunningModule[] = [];
  try {
    if (options.redisUrl) redis = await connectRedis(options.redisUrl);
    for (let i = 0; i < (options.processes ?? 1); i++) {
      modules.push(
        await ordersModule.start({
          bus,
          store: redis ? "redis" : "memory",
          redis,
          keyPrefix,
          settings,
          log: silentLogger,
        }),
      );
    }
    const w = newWorld(options.world);
    await playOtherModules(bus, w);
    const { app, unexpected } = routedApp(modules[0]!.routes);
    const token = `Bearer ${await signCustomerToken(settings.authSecret, "cus_1")}`;
    const admin = `Bearer ${settings.adminToken}`;
    const json = { "content-type": "application/json", authorization: token };
    await body({
      bus,
      world: w,
      modules,
      app,
      token,
      admin,
      place: async (items, wait = 5) =>
        await app.request("/orders", {
          method: "POST",
          headers: { ...json, prefer: `wait=${wait}` },
          body: JSON.stringify({ customer_id: "cus_1", items }),
        }),
      get: async (id) =>
        await (await app.request(`/orders/${id}`, { headers: { authorization: admin } })).json(),
      cancel: async (id) =>
        await app.request(`/orders/${id}/cancel`, {
          method: "POST",
          headers: { authorization: token },
        }),
    });
    if (unexpected.length) throw unexpected[0];
  } finally {
    for (const running of modules) await running.stop();
    await bus.close({ graceMs: 200 });
    if (redis) {
      await deleteKeys(redis, keyPrefix);
      await redis.quit();
    }
  }
}
