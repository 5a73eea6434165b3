/**
 * The orders module: order placement, the order saga (state machine,
 * compensation, timeouts) and order queries. Its only entry; other modules
 * may import `events.ts`, nothing else.
 *
 * @module
 */
import { Guard } from "../../lib/auth.ts";
import { defineModule } from "../../lib/define_module.ts";
import { InflightOrders } from "./admission.ts";
import { OthersWriting } from "./changes.ts";
import { ORDERS_GROUP } from "./events.ts";
import { ordersHandlers } from "./handlers.ts";
import { orderDocs } from "./http/docs.ts";
import { orderRoutes } from "./http/routes.ts";
import { OrderService } from "./service.ts";
import { MemoryOrderStore } from "./store/memory.ts";
import type { OrderStore } from "./store/types.ts";
import { RedisOrderStore } from "./store/redis.ts";
import { DeadlineSweeper } from "./sweeper.ts";

export const ordersModule = defineModule({
  name: "orders",
  docs: orderDocs,
  group: ORDERS_GROUP,
  handlers: ordersHandlers,
  stores: {
    memory: ({ settings }): OrderStore => new MemoryOrderStore(settings.idempotencyTtlS * 1_000),
    redis: (redis, keyPrefix, { settings, busStreams }) =>
      new RedisOrderStore(redis, keyPrefix, settings.idempotencyTtlS * 1_000, busStreams),
  },
  wire({ context: { settings }, log, store, wakeRelay }) {
    const service = new OrderService(store, settings, log, {
      onEmit: wakeRelay,
      onUpdated: (order) => inflight.observed(order),
    });
    const inflight = new InflightOrders(settings.maxInflightOrders, (id) => service.get(id));
    const sweeper = new DeadlineSweeper(
      (limit) => service.sweep(limit),
      DeadlineSweeper.intervalFor(settings.sagaStepTimeoutMs),
      log,
    );
    const othersWriting = new OthersWriting(
      store,
      (orderId) => service.othersStored(orderId),
      (error) =>
        log.warn("Not hearing of other orders processes' changes: waiters re-read each second", {
          error,
        }),
    );
    return {
      service,
      routes: orderRoutes(service, new Guard(settings), inflight),
      workers: [sweeper, inflight, othersWriting],
      gauges: async () => [{
        name: "orders_by_status",
        help: "Orders in the store by status",
        samples: Object.entries(await store.countByStatus()).map(([status, value]) => ({
          labels: { status },
          value,
        })),
      }],
    };
  },
});
