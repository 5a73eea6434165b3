/**
 * The bus side of accounts: the saga's payment and refund requests, handed
 * straight to the use cases. Idempotent by state (one payment record per order).
 *
 * @module
 */
import { type HandlerTable, on } from "../../lib/handlers.ts";
import { paymentRequested, refundRequested } from "../orders/events.ts";
import type { AccountsService } from "./service.ts";

/** What accounts subscribes to, in group `ACCOUNTS_GROUP`. */
export const accountsHandlers: HandlerTable<AccountsService> = [
  on(paymentRequested, async (data, { service, envelope, log }) => {
    const outcome = await service.takePayment(envelope);
    log.debug("Payment request answered", { order_id: data.order_id, outcome });
  }),
  on(refundRequested, async (data, { service, envelope, log }) => {
    const outcome = await service.refundPayment(envelope);
    log.debug("Refund request answered", { order_id: data.order_id, outcome });
  }),
];
