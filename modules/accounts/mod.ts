/**
 * The accounts module: customers, balances, and the one charge (and at most
 * one refund) per order that the order saga asks for. Its only entry; other
 * modules may import `events.ts`, nothing else.
 *
 * @module
 */
import { Guard } from "../../lib/auth.ts";
import { defineModule } from "../../lib/define_module.ts";
import { ACCOUNTS_GROUP } from "./events.ts";
import { accountsHandlers } from "./handlers.ts";
import { accountsDocs } from "./http/docs.ts";
import { accountsRoutes } from "./http/routes.ts";
import { AccountsService } from "./service.ts";
import { MemoryAccountsStore } from "./store/memory.ts";
import type { AccountsStore } from "./store/types.ts";
import { RedisAccountsStore } from "./store/redis.ts";

// Every mod.ts declares the same fields in the same order (one module shape): alike on purpose,
// the values are what differ.
export const accountsModule = defineModule({
  name: "accounts",
  docs: accountsDocs,
  group: ACCOUNTS_GROUP,
  handlers: accountsHandlers,
  stores: {
    memory: (): AccountsStore => new MemoryAccountsStore(),
    redis: (redis, keyPrefix, { busStreams }) =>
      new RedisAccountsStore(redis, keyPrefix, busStreams),
  },
  wire({ context, store, wakeRelay }) {
    const service = new AccountsService(store, context.settings, wakeRelay);
    return { service, routes: accountsRoutes(service, new Guard(context.settings)) };
  },
});
