/**
 * The inventory module: product catalog, stock, and reservations for orders.
 * Its only entry; other modules may import `events.ts`, nothing else.
 *
 * @module
 */
import { Guard } from "../../lib/auth.ts";
import { defineModule, redisOf } from "../../lib/define_module.ts";
import { INVENTORY_GROUP } from "./events.ts";
import { inventoryHandlers } from "./handlers.ts";
import { inventoryDocs } from "./http/docs.ts";
import { inventoryRoutes } from "./http/routes.ts";
import { InventoryService } from "./service.ts";
import { MemoryInventoryStore } from "./store/memory.ts";
import { RedisInventoryStore } from "./store/redis.ts";
import type { InventoryStore } from "./store/types.ts";

export const inventoryModule = defineModule({
  name: "inventory",
  docs: inventoryDocs,
  group: INVENTORY_GROUP,
  handlers: inventoryHandlers,
  openStore: (context): InventoryStore =>
    context.store === "memory"
      ? new MemoryInventoryStore()
      : new RedisInventoryStore(redisOf(context, "inventory"), context.keyPrefix),
  wire({ context, store, wakeRelay }) {
    const service = new InventoryService(store, wakeRelay);
    return { service, routes: inventoryRoutes(service, new Guard(context.settings)) };
  },
});
