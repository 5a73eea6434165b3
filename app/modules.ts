/**
 * Every module this program can run, by name.
 *
 * @module
 */
import type { ModuleDefinition, ModuleName } from "../lib/module.ts";
import { inventoryModule } from "../modules/inventory/mod.ts";
import { accountsModule } from "../modules/accounts/mod.ts";
import { ordersModule } from "../modules/orders/mod.ts";
import { messagingModule } from "../modules/messaging/mod.ts";
import { webModule } from "../modules/web/mod.ts";

export const MODULES: Record<ModuleName, ModuleDefinition> = {
  inventory: inventoryModule,
  accounts: accountsModule,
  orders: ordersModule,
  messaging: messagingModule,
  web: webModule,
};
