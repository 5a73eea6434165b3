/**
 * The orders module: order placement, the order saga (state machine,
 * compensation, timeouts) and order queries. Its only entry is
 * `ordersModule`; other modules may import `./events.ts` and nothing else.
 *
 * @module
 */
import { Guard } from "../../lib/auth.ts";
import type { ModuleContext, ModuleDefinition, RunningModule } from "../../lib/module.ts";
import { OutboxRelay } from "../../lib/outbox.ts";
import { subscribeSaga } from "./handlers.ts";
import { orderDocs, orderRoutes } from "./http/routes.ts";
import { InflightOrders } from "./admission.ts";
import { OrderService } from "./service.ts";
import { MemoryOrderStore } from "./store/memory.ts";
import { RedisOrderStore } from "./store/redis.ts";
import type { OrderStore } from "./store/types.ts";
import { DeadlineSweeper } from "./sweeper.ts";

function openStore(ctx: ModuleContext): OrderStore {
  const ttlMs = ctx.settings.idempotencyTtlS * 1_000;
  if (ctx.store === "memory") return new MemoryOrderStore(ttlMs);
  if (!ctx.redis) throw new Error('The orders module needs a Redis connection for store "redis"');
  return new RedisOrderStore(ctx.redis, ctx.keyPrefix, ttlMs);
}

async function start(ctx: ModuleContext): Promise<RunningModule> {
  const log = ctx.log.child({ module: "orders" });
  const store = openStore(ctx);
  // A Redis outbox is relayed by one process at a time (a lease, which asks for short looks).
  const relay = new OutboxRelay(store.outbox, ctx.bus, log);
  const service = new OrderService(store, ctx.settings, log, {
    onEmit: () => relay.wake(),
    onUpdated: (order) => inflight.observed(order),
  });
  const inflight = new InflightOrders(ctx.settings.maxInflightOrders, (id) => service.get(id));
  const sweeper = new DeadlineSweeper(
    (limit) => service.sweep(limit),
    DeadlineSweeper.intervalFor(ctx.settings.sagaStepTimeoutMs),
    log,
  );
  const subscription = await subscribeSaga(
    ctx.bus,
    (orderId, input, cause) => service.apply(orderId, input, cause),
    log,
  );
  // Events left in the outbox by an earlier run go out first.
  relay.start();
  relay.wake();
  sweeper.start();
  inflight.start();
  return {
    name: "orders",
    routes: orderRoutes(service, new Guard(ctx.settings), inflight),
    ready: () => store.ping(),
    gauges: async () => [{
      name: "orders_by_status",
      help: "Orders in the store by status",
      samples: Object.entries(await store.countByStatus()).map(([status, value]) => ({
        labels: { status },
        value,
      })),
    }],
    stop: async () => {
      await Promise.all([sweeper.stop(), inflight.stop()]);
      await subscription.close();
      // Last: what the handlers just wrote is published before the bus closes.
      await relay.stop();
      await store.close();
    },
  };
}

export const ordersModule: ModuleDefinition = { name: "orders", docs: orderDocs, start };
