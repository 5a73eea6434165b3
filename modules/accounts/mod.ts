/**
 * The accounts module: customers, balances, and the one charge (and at most
 * one refund) per order that the order saga asks for.
 *
 * @module
 */
import { Guard } from "../../lib/auth.ts";
import type { ModuleContext, ModuleDefinition, RunningModule } from "../../lib/module.ts";
import { OutboxRelay } from "../../lib/outbox.ts";
import { Accounts } from "./domain/accounts.ts";
import { accountsHandler, accountsSubscriptions } from "./handlers.ts";
import { accountsDocs, accountsRoutes } from "./http/routes.ts";
import { MemoryAccountsStore } from "./store/memory.ts";
import { RedisAccountsStore } from "./store/redis.ts";
import type { AccountsStore } from "./store/types.ts";

function openStore(ctx: ModuleContext): AccountsStore {
  if (ctx.store === "memory") return new MemoryAccountsStore();
  if (!ctx.redis) throw new Error('The accounts module needs a Redis connection for store "redis"');
  return new RedisAccountsStore(ctx.redis, `${ctx.keyPrefix}accounts:`);
}

export const accountsModule: ModuleDefinition = {
  name: "accounts",
  docs: accountsDocs,
  async start(ctx: ModuleContext): Promise<RunningModule> {
    const log = ctx.log.child({ module: "accounts" });
    const store = openStore(ctx);
    const relay = new OutboxRelay(store.outbox, ctx.bus, log);
    const accounts = new Accounts(store, ctx.settings, () => relay.wake());
    // Subscribed before the relay starts: if subscribing fails, no timer is left behind.
    const subscription = await ctx.bus.subscribe(
      "accounts",
      accountsSubscriptions,
      accountsHandler(accounts, log),
    );
    relay.start();
    return {
      name: "accounts",
      routes: accountsRoutes(accounts, new Guard(ctx.settings)),
      ready: () => store.ping(),
      async stop() {
        // Handlers first, so the relay's last drain publishes what they wrote.
        await subscription.close();
        await relay.stop();
      },
    };
  },
};
