/**
 * For tests: the inventory module started on a memory bus (memory or Redis
 * store), with a small admin client for its routes and an observer that
 * records every inventory event the module publishes.
 *
 * @module
 */
import type { StoreKind } from "../../../lib/module.ts";
import { testSettings } from "../../../lib/settings.ts";
import { startModule } from "../../module_harness.ts";
import { waitFor } from "../../wait.ts";
import { inventoryEvents } from "../../../modules/inventory/events.ts";
import { inventoryModule } from "../../../modules/inventory/mod.ts";

export const settings = testSettings();

export async function startInventory(
  store: StoreKind,
  redisUrl: string | null = null,
  /** Reuse a keyspace, as a restarted process would. */
  keyPrefix?: string,
) {
  const harness = await startModule(inventoryModule, {
    store,
    redisUrl,
    keyPrefix,
    settings,
    observe: inventoryEvents,
    source: "orders",
  });
  const { bus, module: running, app, seen: published } = harness;

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

  return { bus, running, call, published, answer, forOrder, stop: harness.stop };
}
