/**
 * What inventory does with the saga's requests from orders. Handlers are thin:
 * they read the request and hand it to the service, whose store step is
 * idempotent by order id, so a redelivered message is harmless.
 *
 * @module
 */
import type { Envelope, Handler } from "../../bus/types.ts";
import type { Logger } from "../../lib/logger.ts";
import { orderPlaced, stockCommitRequested, stockReleaseRequested } from "../orders/events.ts";
import type { InventoryService } from "./service.ts";

/** The consumer group every inventory process shares. */
export const INVENTORY_GROUP = "inventory";

export const inventorySubscriptions = [
  orderPlaced,
  stockCommitRequested,
  stockReleaseRequested,
] as const;

export function orderRequestHandler(inventory: InventoryService, log: Logger): Handler {
  return async (envelope: Envelope) => {
    // The bus validated `data` already; parsing again gives us its type.
    switch (envelope.type) {
      case orderPlaced.type: {
        const { order_id, items } = orderPlaced.schema.parse(envelope.data);
        const reservation = await inventory.reserveForOrder(order_id, items, envelope);
        log.debug("Reservation answered", { order_id, state: reservation.state });
        return;
      }
      case stockCommitRequested.type: {
        const { order_id } = stockCommitRequested.schema.parse(envelope.data);
        await inventory.commitOrder(order_id, envelope);
        return;
      }
      case stockReleaseRequested.type: {
        const { order_id } = stockReleaseRequested.schema.parse(envelope.data);
        await inventory.releaseOrder(order_id, envelope);
        return;
      }
      default:
        log.warn("Ignoring an event inventory did not subscribe to", { type: envelope.type });
    }
  };
}
