/**
 * The order saga as one pure function: given an order and what just happened,
 * the order's next state and the events to emit — or nothing. Every rule is
 * safe to run twice: a duplicate or late input finds the order already moved
 * on and is ignored, or (for a success that arrives after the order died)
 * answered with a compensation the other module treats as idempotent.
 *
 * @module
 */
import {
  orderCancelled,
  orderConfirmed,
  orderRefunded,
  orderRejected,
  paymentRequested,
  refundRequested,
  stockCommitRequested,
  stockReleaseRequested,
} from "../events.ts";
import {
  apply,
  type Decision,
  type Emission,
  emission,
  enter,
  ignore,
  refuse,
  type SagaClock,
  type SagaInput,
} from "./decision.ts";
import { isTerminal, type Order } from "./order.ts";
import { priceLines } from "./pricing.ts";

const releaseStock = (order: Order) => emission(stockReleaseRequested, { order_id: order.id });
const refundPayment = (order: Order) =>
  emission(refundRequested, { order_id: order.id, customer_id: order.customer_id });
const rejected = (order: Order, reason: string) =>
  emission(orderRejected, { order_id: order.id, customer_id: order.customer_id, reason });
const refunded = (order: Order, reason: string) =>
  emission(orderRefunded, {
    order_id: order.id,
    customer_id: order.customer_id,
    amount: order.total ?? 0,
    reason,
  });

/** A dead order (rejected, cancelled, refunded) never keeps what a late answer gave it. */
function isDead(order: Order): boolean {
  return isTerminal(order.status) && order.status !== "confirmed";
}

function onStockReserved(
  order: Order,
  input: Extract<SagaInput, { kind: "stock_reserved" }>,
  clock: SagaClock,
): Decision {
  if (isDead(order)) {
    // The reservation landed after the order died: give the stock back.
    return apply(order, releaseStock(order));
  }
  if (order.status !== "pending") return ignore(`order is already ${order.status}`);
  const pricing = priceLines(order.items, input.lines, clock.feeBps);
  if (!pricing.ok && pricing.problem === "mismatch") {
    // Charging on a reservation that differs from the order would be wrong; the deadline compensates.
    return ignore(pricing.detail);
  }
  if (!pricing.ok) {
    const next = enter(order, "rejected", clock, { reason: "amount_too_large" });
    return apply(next, releaseStock(next), rejected(next, "amount_too_large"));
  }
  const next = enter(order, "reserved", clock, pricing.priced);
  return apply(
    next,
    emission(paymentRequested, {
      order_id: next.id,
      customer_id: next.customer_id,
      amount: pricing.priced.total,
    }),
  );
}

function onReservationRejected(order: Order, reason: string, clock: SagaClock): Decision {
  if (order.status !== "pending") return ignore(`order is already ${order.status}`);
  // Nothing was held, so there is nothing to release.
  const next = enter(order, "rejected", clock, { reason });
  return apply(next, rejected(next, reason));
}

function onPaymentSucceeded(order: Order, clock: SagaClock): Decision {
  if (isDead(order)) {
    // Money taken for an order that is no more goes straight back.
    return apply(order, refundPayment(order));
  }
  if (order.status !== "reserved") return ignore(`order is ${order.status}, not awaiting payment`);
  const next = enter(order, "paid", clock);
  return apply(next, emission(stockCommitRequested, { order_id: next.id }));
}

function onPaymentFailed(order: Order, reason: string, clock: SagaClock): Decision {
  // "voided": our own refund request came first, so the order has already moved on.
  if (reason === "voided") return ignore("payment was voided by our refund request");
  if (order.status !== "reserved") return ignore(`order is ${order.status}, not awaiting payment`);
  const next = enter(order, "rejected", clock, { reason });
  return apply(next, releaseStock(next), rejected(next, reason));
}

function onReservationCommitted(order: Order, clock: SagaClock): Decision {
  if (order.status !== "paid") return ignore(`order is ${order.status}, not awaiting its stock`);
  const next = enter(order, "confirmed", clock);
  const items = next.items.map((line) => ({
    product_id: line.product_id,
    quantity: line.quantity,
    unit_price: line.unit_price ?? 0,
  }));
  return apply(
    next,
    emission(orderConfirmed, {
      order_id: next.id,
      customer_id: next.customer_id,
      items,
      subtotal: next.subtotal ?? 0,
      fee: next.fee ?? 0,
      total: next.total ?? 0,
    }),
  );
}

/** Paid but the stock is gone: the customer gets the money back. */
function refundUnavailable(order: Order, clock: SagaClock): Decision {
  const next = enter(order, "refunded", clock, { reason: "product_unavailable" });
  return giveBackBoth(next, refunded(next, "product_unavailable"));
}

/** Both sides may hold something: ask for the money and the stock back, then say how it ended. */
function giveBackBoth(next: Order, outcome: Emission): Decision {
  return apply(next, refundPayment(next), releaseStock(next), outcome);
}

function onReservationLost(order: Order, clock: SagaClock): Decision {
  switch (order.status) {
    case "paid":
      return refundUnavailable(order, clock);
    case "reserved": {
      // The charge may be in flight: the refund request voids it or gives it back.
      const next = enter(order, "rejected", clock, { reason: "unknown_product" });
      return giveBackBoth(next, rejected(next, "unknown_product"));
    }
    case "pending": {
      // Inventory held stock whose stock_reserved we have not seen yet.
      const next = enter(order, "rejected", clock, { reason: "unknown_product" });
      return apply(next, releaseStock(next), rejected(next, "unknown_product"));
    }
    default:
      return ignore(`order is already ${order.status}`);
  }
}

function onCancel(order: Order, clock: SagaClock): Decision {
  switch (order.status) {
    case "pending":
    case "reserved":
    case "paid": {
      // From reserved on a charge may be in flight, so a refund is asked for too.
      const refund = order.status !== "pending";
      const next = enter(order, "cancelled", clock);
      const emit: Emission[] = [releaseStock(next)];
      if (refund) emit.push(refundPayment(next));
      emit.push(
        emission(orderCancelled, { order_id: next.id, customer_id: next.customer_id, refund }),
      );
      return apply(next, ...emit);
    }
    case "confirmed": {
      const next = enter(order, "refunded", clock, { reason: "cancelled" });
      return apply(next, releaseStock(next), refundPayment(next), refunded(next, "cancelled"));
    }
    default:
      return refuse(`Order "${order.id}" is ${order.status} and can no longer be cancelled`);
  }
}

function onDeadlinePassed(order: Order, clock: SagaClock): Decision {
  if (isTerminal(order.status) || order.deadline === null) return ignore("order is terminal");
  if (order.deadline > clock.now) return ignore("deadline has not passed");
  switch (order.status) {
    case "pending": {
      // A reservation may still be on its way; the release request refuses it.
      const next = enter(order, "rejected", clock, { reason: "timeout" });
      return apply(next, releaseStock(next), rejected(next, "timeout"));
    }
    case "reserved": {
      const next = enter(order, "rejected", clock, { reason: "timeout" });
      return apply(next, releaseStock(next), refundPayment(next), rejected(next, "timeout"));
    }
    default: {
      const next = enter(order, "refunded", clock, { reason: "timeout" });
      return apply(next, refundPayment(next), releaseStock(next), refunded(next, "timeout"));
    }
  }
}

/** What `input` does to `order` at `clock.now`. Pure: reads nothing else, changes nothing. */
export function decide(order: Order, input: SagaInput, clock: SagaClock): Decision {
  switch (input.kind) {
    case "stock_reserved":
      return onStockReserved(order, input, clock);
    case "reservation_rejected":
      return onReservationRejected(order, input.reason, clock);
    case "payment_succeeded":
      return onPaymentSucceeded(order, clock);
    case "payment_failed":
      return onPaymentFailed(order, input.reason, clock);
    case "reservation_committed":
      return onReservationCommitted(order, clock);
    case "reservation_commit_failed":
      return order.status === "paid"
        ? refundUnavailable(order, clock)
        : ignore(`order is ${order.status}, not awaiting its stock`);
    case "reservation_lost":
      return onReservationLost(order, clock);
    case "cancel":
      return onCancel(order, clock);
    case "deadline_passed":
      return onDeadlinePassed(order, clock);
  }
}
