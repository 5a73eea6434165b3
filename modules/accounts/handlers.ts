/**
 * The bus side of accounts: the saga's payment and refund requests, handed
 * straight to the use cases. Idempotent by state (one payment record per order).
 *
 * @module
 */
import type { Envelope, EventData, Handler } from "../../bus/types.ts";
import type { Logger } from "../../lib/logger.ts";
import { paymentRequested, refundRequested } from "../orders/events.ts";
import type { Accounts } from "./domain/accounts.ts";

/** What accounts subscribes to, in group "accounts". */
export const accountsSubscriptions = [paymentRequested, refundRequested] as const;

export function accountsHandler(accounts: Accounts, log: Logger): Handler {
  return async (envelope) => {
    switch (envelope.type) {
      case paymentRequested.type: {
        const cause = envelope as Envelope<EventData<typeof paymentRequested>>;
        const outcome = await accounts.takePayment(cause);
        log.debug("Payment request answered", { order_id: cause.data.order_id, outcome });
        return;
      }
      case refundRequested.type: {
        const cause = envelope as Envelope<EventData<typeof refundRequested>>;
        const outcome = await accounts.refundPayment(cause);
        log.debug("Refund request answered", { order_id: cause.data.order_id, outcome });
        return;
      }
      default:
        // The bus only delivers subscribed types; anything else is someone else's bug.
        log.warn("Ignoring an event accounts did not subscribe to", { type: envelope.type });
    }
  };
}
