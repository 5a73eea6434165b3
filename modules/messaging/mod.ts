/**
 * The messaging module: one notification per order outcome, an invoice per
 * confirmed order, delivered through a pluggable channel (a log line by
 * default, a signed webhook when WEBHOOK_URL is set).
 *
 * @module
 */
import { Guard } from "../../lib/auth.ts";
import type { Logger } from "../../lib/logger.ts";
import type { ModuleContext, ModuleDefinition, RunningModule } from "../../lib/module.ts";
import { OutboxRelay } from "../../lib/outbox.ts";
import type { Settings } from "../../lib/settings.ts";
import { type Channel, LogChannel } from "./delivery/channel.ts";
import { WebhookChannel } from "./delivery/webhook.ts";
import { DeliveryWorker } from "./delivery/worker.ts";
import { Messaging } from "./domain/messaging.ts";
import { messagingHandler, messagingSubscriptions } from "./handlers.ts";
import { messagingDocs, messagingRoutes } from "./http/routes.ts";
import { MemoryMessagingStore } from "./store/memory.ts";
import { RedisMessagingStore } from "./store/redis.ts";
import type { MessagingStore } from "./store/types.ts";

function openStore(ctx: ModuleContext): MessagingStore {
  if (ctx.store === "memory") return new MemoryMessagingStore();
  if (!ctx.redis) {
    throw new Error('The messaging module needs a Redis connection for store "redis"');
  }
  return new RedisMessagingStore(ctx.redis, `${ctx.keyPrefix}messaging:`);
}

/**
 * Every channel this process can send on, the first being where new
 * notifications go. The log channel is always there, so notifications recorded
 * while no webhook was configured still get delivered.
 */
function openChannels(settings: Settings, log: Logger): Channel[] {
  const logChannel = new LogChannel(log);
  if (!settings.webhookUrl) return [logChannel];
  if (!settings.webhookSecret) {
    // An unsigned webhook could be forged by anyone who finds the receiver.
    throw new Error("WEBHOOK_URL is set but WEBHOOK_SECRET is not; set both or neither");
  }
  return [new WebhookChannel(settings.webhookUrl, settings.webhookSecret), logChannel];
}

export const messagingModule: ModuleDefinition = {
  name: "messaging",
  docs: messagingDocs,
  async start(ctx: ModuleContext): Promise<RunningModule> {
    const log = ctx.log.child({ module: "messaging" });
    const channels = openChannels(ctx.settings, log);
    const store = openStore(ctx);
    const relay = new OutboxRelay(store.outbox, ctx.bus, log);
    const worker = new DeliveryWorker(store, channels, log);
    const messaging = new Messaging(store, channels[0]!.name, () => {
      relay.wake();
      worker.wake();
    }, ctx.settings.currency);
    // Subscribed before the relay and worker start: if subscribing fails, nothing is left running.
    const subscription = await ctx.bus.subscribe(
      "messaging",
      messagingSubscriptions,
      messagingHandler(messaging, log),
    );
    relay.start();
    worker.start();
    return {
      name: "messaging",
      routes: messagingRoutes(messaging, new Guard(ctx.settings)),
      ready: () => store.ping(),
      async stop() {
        // Handlers first, so the relay's last drain publishes what they wrote.
        await subscription.close();
        await Promise.all([relay.stop(), worker.stop()]);
      },
    };
  },
};
