/**
 * The bus side of the saga: each answer from inventory or accounts becomes a
 * saga input for the order it names. Thin on purpose; the rules live in
 * domain/transitions.ts and the writes in service.ts.
 *
 * @module
 */
import type { EventContract, EventData } from "../../bus/mod.ts";
import { eventsOf, type HandlerRow, type HandlerTable, on } from "../../lib/handlers.ts";
import { paymentFailed, paymentSucceeded } from "../accounts/events.ts";
import {
  reservationCommitFailed,
  reservationCommitted,
  reservationLost,
  reservationRejected,
  stockReserved,
} from "../inventory/events.ts";
import type { SagaInput } from "./domain/decision.ts";
import type { OrderService } from "./service.ts";

/** A row that turns an answer into the saga input of the order it names, and applies it. */
function saga<C extends EventContract>(
  event: C,
  toInput: (data: EventData<C>) => SagaInput,
): HandlerRow<OrderService> {
  return on(event, async (data, { service, envelope, log }) => {
    const orderId = (data as { order_id: string }).order_id;
    const result = await service.apply(orderId, toInput(data), envelope);
    const fields = { order_id: orderId, event: envelope.type, event_id: envelope.id };
    if (result.kind === "unknown") {
      // Not an order of ours (another system on the bus, or a lost store): nothing to act on.
      log.warn("Event names an unknown order; ignored", fields);
    } else if (result.kind !== "applied") {
      log.debug("Event changes nothing", { ...fields, why: result.why });
    }
  });
}

/** What orders subscribes to, in group `ORDERS_GROUP`. */
export const ordersHandlers: HandlerTable<OrderService> = [
  saga(stockReserved, (d) => ({ kind: "stock_reserved", lines: d.lines })),
  saga(reservationRejected, (d) => ({
    kind: "reservation_rejected",
    reason: d.reason,
    product_id: d.product_id,
  })),
  saga(reservationCommitted, () => ({ kind: "reservation_committed" })),
  saga(reservationCommitFailed, (d) => ({ kind: "reservation_commit_failed", reason: d.reason })),
  saga(reservationLost, (d) => ({ kind: "reservation_lost", product_id: d.product_id })),
  saga(paymentSucceeded, (d) => ({ kind: "payment_succeeded", amount: d.amount })),
  saga(paymentFailed, (d) => ({ kind: "payment_failed", reason: d.reason })),
];

/** The events the saga listens to. */
export const SAGA_EVENTS: readonly EventContract[] = eventsOf(ordersHandlers);
