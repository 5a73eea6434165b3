/**
 * The messaging module: one notification per order outcome, an invoice per
 * confirmed order, delivered through a pluggable channel (a log line by
 * default, a signed webhook when WEBHOOK_URL is set). Its only entry; other
 * modules may import `events.ts`, nothing else.
 *
 * @module
 */
import { Guard } from "../../lib/auth.ts";
import { defineModule } from "../../lib/define_module.ts";
import { openChannels } from "./delivery/channels.ts";
import { DeliveryWorker } from "./delivery/worker.ts";
import { MESSAGING_GROUP } from "./events.ts";
import { messagingHandlers } from "./handlers.ts";
import { messagingDocs } from "./http/docs.ts";
import { messagingRoutes } from "./http/routes.ts";
import { MessagingService } from "./service.ts";
import { MemoryMessagingStore } from "./store/memory.ts";
import type { MessagingStore } from "./store/types.ts";
import { RedisMessagingStore } from "./store/redis.ts";

export const messagingModule = defineModule({
  name: "messaging",
  docs: messagingDocs,
  group: MESSAGING_GROUP,
  handlers: messagingHandlers,
  stores: {
    memory: (): MessagingStore => new MemoryMessagingStore(),
    redis: (redis, keyPrefix, { busStreams }) =>
      new RedisMessagingStore(redis, keyPrefix, busStreams),
  },
  wire({ context, log, store, wakeRelay }) {
    const channels = openChannels(context.settings, log);
    const worker = new DeliveryWorker(store, channels, log);
    const service = new MessagingService(store, channels[0].name, () => {
      wakeRelay();
      worker.wake();
    }, context.settings.currency);
    return {
      service,
      routes: messagingRoutes(service, new Guard(context.settings)),
      workers: [worker],
    };
  },
});
