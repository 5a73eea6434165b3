/**
 * What inventory does with the saga's requests from orders. Handlers are thin:
 * they read the request and hand it to the service, whose store step is
 * idempotent by order id, so a redelivered message is harmless.
 *
 * @module
 */
import { type HandlerTable, on } from "../../lib/handlers.ts";
import { orderPlaced, stockCommitRequested, stockReleaseRequested } from "../orders/events.ts";
import type { InventoryService } from "./service.ts";

/** What inventory subscribes to, in group `INVENTORY_GROUP`. */
export const inventoryHandlers: HandlerTable<InventoryService> = [
  on(orderPlaced, async ({ order_id, items }, { service, envelope, log }) => {
    const reservation = await service.reserveForOrder(order_id, items, envelope);
    log.debug("Reservation answered", { order_id, state: reservation.state });
  }),
  on(
    stockCommitRequested,
    ({ order_id }, { service, envelope }) => service.commitOrder(order_id, envelope),
  ),
  on(
    stockReleaseRequested,
    ({ order_id }, { service, envelope }) => service.releaseOrder(order_id, envelope),
  ),
];
