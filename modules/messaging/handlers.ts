/**
 * The bus side of messaging: order outcomes become notifications, customer
 * registrations become contacts, saved products become names. Idempotent by
 * state (one notification per order and kind; a contact is simply
 * overwritten; a product's name only by a higher revision).
 *
 * @module
 */
import type { Logger } from "../../lib/logger.ts";
import { type HandlerTable, on } from "../../lib/handlers.ts";
import { customerRegistered } from "../accounts/events.ts";
import { productSaved } from "../inventory/events.ts";
import { orderCancelled, orderConfirmed, orderRefunded, orderRejected } from "../orders/events.ts";
import type { Notification } from "./domain/types.ts";
import type { MessagingService } from "./service.ts";

function recorded(log: Logger, notification: Notification | null): void {
  if (notification) {
    log.debug("Notification recorded", {
      order_id: notification.order_id,
      kind: notification.kind,
    });
  }
}

/** What messaging subscribes to, in group `MESSAGING_GROUP`. */
export const messagingHandlers: HandlerTable<MessagingService> = [
  on(orderConfirmed, async (data, { service, envelope, log }) => {
    const { order_id, total, subtotal, fee, items } = data;
    recorded(
      log,
      await service.notify(
        { kind: "confirmed", order_id, total, subtotal, fee, items },
        data.customer_id,
        envelope,
        data,
      ),
    );
  }),
  on(orderRejected, async ({ order_id, reason, customer_id }, { service, envelope, log }) => {
    recorded(
      log,
      await service.notify({ kind: "rejected", order_id, reason }, customer_id, envelope),
    );
  }),
  on(orderCancelled, async ({ order_id, refund, customer_id }, { service, envelope, log }) => {
    recorded(
      log,
      await service.notify({ kind: "cancelled", order_id, refund }, customer_id, envelope),
    );
  }),
  on(orderRefunded, async (data, { service, envelope, log }) => {
    const { order_id, amount, reason } = data;
    recorded(
      log,
      await service.notify(
        { kind: "refunded", order_id, amount, reason },
        data.customer_id,
        envelope,
      ),
    );
  }),
  on(customerRegistered, (data, { service }) => service.rememberCustomer(data)),
  on(productSaved, (data, { service }) => service.rememberProduct(data)),
];
