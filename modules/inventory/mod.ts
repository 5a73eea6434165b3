/**
 * The inventory module: product catalog, stock, and reservations for orders.
 * Its only entry; other modules may import `events.ts`, nothing else.
 *
 * @module
 */
import { Guard } from "../../lib/auth.ts";
import { defineModule } from "../../lib/define_module.ts";
import { INVENTORY_GROUP } from "./events.ts";
import { inventoryHandlers } from "./handlers.ts";
import { inventoryDocs } from "./http/docs.ts";
import { inventoryRoutes } from "./http/routes.ts";
import { InventoryService } from "./service.ts";
import { MemoryInventoryStore } from "./store/memory.ts";
import type { InventoryStore } from "./store/types.ts";
import { RedisInventoryStore } from "./store/redis.ts";

// Every mod.ts declares the same fields in the same order (one module shape): alike on purpose,
// the values are what differ.
export const inventoryModule = defineModule({
  name: "inventory",
  docs: inventoryDocs,
  group: INVENTORY_GROUP,
  handlers: inventoryHandlers,
  stores: {
    memory: (): InventoryStore => new MemoryInventoryStore(),
    redis: (redis, keyPrefix, { busStreams }) =>
      new RedisInventoryStore(redis, keyPrefix, busStreams),
  },
  wire({ context, store, wakeRelay }) {
    const service = new InventoryService(store, wakeRelay);
    return { service, routes: inventoryRoutes(service, new Guard(context.settings)) };
  },
});
