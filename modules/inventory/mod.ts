/**
 * The inventory module: product catalog, stock, and reservations for orders.
 * Its only entry; other modules may import `events.ts`, nothing else.
 *
 * @module
 */
import { Guard } from "../../lib/auth.ts";
import type { ModuleContext, ModuleDefinition } from "../../lib/module.ts";
import { OutboxRelay } from "../../lib/outbox.ts";
import { INVENTORY_GROUP, inventorySubscriptions, orderRequestHandler } from "./handlers.ts";
import { inventoryDocs } from "./http/docs.ts";
import { inventoryRoutes } from "./http/routes.ts";
import { InventoryService } from "./service.ts";
import { MemoryInventoryStore } from "./store/memory.ts";
import { RedisInventoryStore } from "./store/redis.ts";
import type { InventoryStore } from "./store/types.ts";

function openStore(context: ModuleContext): InventoryStore {
  if (context.store === "memory") return new MemoryInventoryStore();
  if (!context.redis) throw new Error("The inventory Redis store needs a Redis connection");
  return new RedisInventoryStore(context.redis, context.keyPrefix);
}

export const inventoryModule: ModuleDefinition = {
  name: "inventory",
  docs: inventoryDocs,
  async start(context) {
    const store = openStore(context);
    const relay = new OutboxRelay(store.outbox, context.bus, context.log);
    const inventory = new InventoryService(store, () => relay.wake());
    relay.start();
    // Publishes whatever a previous process wrote but did not get to publish.
    relay.wake();
    let subscription;
    try {
      subscription = await context.bus.subscribe(
        INVENTORY_GROUP,
        inventorySubscriptions,
        orderRequestHandler(inventory, context.log),
      );
    } catch (error) {
      await relay.stop();
      throw error;
    }
    return {
      name: "inventory",
      routes: inventoryRoutes(inventory, new Guard(context.settings)),
      ready: () => store.ping(),
      stop: async () => {
        // Handlers finish first, so the relay's last drain publishes their answers.
        await subscription.close();
        await relay.stop();
      },
    };
  },
};
