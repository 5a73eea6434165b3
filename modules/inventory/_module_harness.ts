/**
 * For tests: the inventory module started on a memory bus (memory or Redis
 * store), its routes on a root app with the process's error handling, and an
 * observer that records every inventory event the module publishes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { Redis } from "ioredis";
import { createBus } from "../../bus/factory.ts";
import type { Envelope } from "../../bus/types.ts";
import { installErrorHandling } from "../../lib/http.ts";
import { silentLogger } from "../../lib/logger.ts";
import type { StoreKind } from "../../lib/module.ts";
import { testSettings } from "../../lib/settings.ts";
import { uniqueName } from "../../testing/services.ts";
import { waitFor } from "../../testing/wait.ts";
import { inventoryEvents } from "./events.ts";
import { inventoryModule } from "./mod.ts";

export const settings = testSettings();

export async function startInventory(
  store: StoreKind,
  redisUrl: string | null = null,
  /** Reuse a keyspace, as a restarted process would. */
  keyPrefix = `${uniqueName("test")}:`,
) {
  const bus = await createBus(`memory://${uniqueName("inv")}`, { source: "orders" });
  const redis = store === "redis" ? new Redis(redisUrl!, { lazyConnect: true }) : null;
  await redis?.connect();
  const published: Envelope[] = [];
  await bus.subscribe("observer", inventoryEvents, (envelope) => {
    published.push(envelope);
  });
  const running = await inventoryModule.start({
    bus,
    store,
    redis,
    keyPrefix,
    settings,
    log: silentLogger,
  });
  const app = new Hono();
  const unexpected: unknown[] = [];
  installErrorHandling(app, (error) => unexpected.push(error));
  app.route("/", running.routes);

  async function call(method: string, path: string, body?: unknown) {
    const response = await app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${settings.adminToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    // deno-lint-ignore no-explicit-any
    return { status: response.status, body: text ? JSON.parse(text) as any : null };
  }

  /** The first published event of `type` for `orderId` (or matching `where`). */
  function answer(type: string, where: (data: Record<string, unknown>) => boolean) {
    return waitFor(
      () => published.find((e) => e.type === type && where(e.data as Record<string, unknown>)),
      { message: `inventory's ${type}` },
    );
  }

  const forOrder = (orderId: string) => (data: Record<string, unknown>) =>
    data.order_id === orderId;

  async function stop() {
    try {
      await running.stop();
      await bus.close({ graceMs: 200 });
      assert.deepEqual(unexpected, []);
    } finally {
      if (redis) {
        const keys = await redis.keys(`${keyPrefix}inventory:*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      }
    }
  }

  return { bus, running, call, published, answer, forOrder, stop };
}
