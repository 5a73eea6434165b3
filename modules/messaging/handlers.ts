/**
 * The bus side of messaging: order outcomes become notifications, customer
 * registrations become contacts, saved products become names. Idempotent by
 * state (one notification per order and kind; a contact is simply
 * overwritten; a product's name only by a higher revision).
 *
 * @module
 */
import type { Envelope, EventData, Handler } from "../../bus/types.ts";
import type { Logger } from "../../lib/logger.ts";
import { customerRegistered } from "../accounts/events.ts";
import { productSaved } from "../inventory/events.ts";
import { orderCancelled, orderConfirmed, orderRefunded, orderRejected } from "../orders/events.ts";
import type { Messaging } from "./domain/messaging.ts";
import type { Notification } from "./store/types.ts";

/** What messaging subscribes to, in group "messaging". */
export const messagingSubscriptions = [
  orderConfirmed,
  orderRejected,
  orderCancelled,
  orderRefunded,
  customerRegistered,
  productSaved,
] as const;

export function messagingHandler(messaging: Messaging, log: Logger): Handler {
  return async (envelope) => {
    const recorded = await dispatch(messaging, envelope);
    if (recorded) {
      log.debug("Notification recorded", { order_id: recorded.order_id, kind: recorded.kind });
    }
  };
}

function dispatch(messaging: Messaging, envelope: Envelope): Promise<Notification | null> {
  switch (envelope.type) {
    case orderConfirmed.type: {
      const data = envelope.data as EventData<typeof orderConfirmed>;
      return messaging.notify(
        {
          kind: "confirmed",
          order_id: data.order_id,
          total: data.total,
          subtotal: data.subtotal,
          fee: data.fee,
          items: data.items,
        },
        data.customer_id,
        envelope,
        data,
      );
    }
    case orderRejected.type: {
      const data = envelope.data as EventData<typeof orderRejected>;
      return messaging.notify(
        { kind: "rejected", order_id: data.order_id, reason: data.reason },
        data.customer_id,
        envelope,
      );
    }
    case orderCancelled.type: {
      const data = envelope.data as EventData<typeof orderCancelled>;
      return messaging.notify(
        { kind: "cancelled", order_id: data.order_id, refund: data.refund },
        data.customer_id,
        envelope,
      );
    }
    case orderRefunded.type: {
      const data = envelope.data as EventData<typeof orderRefunded>;
      return messaging.notify(
        { kind: "refunded", order_id: data.order_id, amount: data.amount, reason: data.reason },
        data.customer_id,
        envelope,
      );
    }
    case customerRegistered.type:
      return messaging.rememberCustomer(envelope.data as EventData<typeof customerRegistered>)
        .then(() => null);
    case productSaved.type:
      return messaging.rememberProduct(envelope.data as EventData<typeof productSaved>)
        .then(() => null);
    default:
      // The bus only delivers subscribed types; anything else is someone else's bug.
      return Promise.resolve(null);
  }
}
