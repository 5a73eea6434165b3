/**
 * The accounts module: customers, balances, and the one charge (and at most
 * one refund) per order that the order saga asks for. Its only entry; other
 * modules may import `events.ts`, nothing else.
 *
 * @module
 */
import { Guard } from "../../lib/auth.ts";
import { defineModule, redisOf } from "../../lib/define_module.ts";
import { ACCOUNTS_GROUP } from "./events.ts";
import { accountsHandlers } from "./handlers.ts";
import { accountsDocs } from "./http/docs.ts";
import { accountsRoutes } from "./http/routes.ts";
import { AccountsService } from "./service.ts";
import { MemoryAccountsStore } from "./store/memory.ts";
import { RedisAccountsStore } from "./store/redis.ts";
import type { AccountsStore } from "./store/types.ts";

export const accountsModule = defineModule({
  name: "accounts",
  docs: accountsDocs,
  group: ACCOUNTS_GROUP,
  handlers: accountsHandlers,
  openStore: (context): AccountsStore =>
    context.store === "memory"
      ? new MemoryAccountsStore()
      : new RedisAccountsStore(redisOf(context, "accounts"), context.keyPrefix),
  wire({ context, store, wakeRelay }) {
    const service = new AccountsService(store, context.settings, wakeRelay);
    return { service, routes: accountsRoutes(service, new Guard(context.settings)) };
  },
});
