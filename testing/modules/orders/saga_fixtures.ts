/**
 * Orders in every status, built by playing the saga itself, for the tests.
 *
 * @module
 */
import assert from "node:assert/strict";
import type {
  Decision,
  Emission,
  SagaClock,
  SagaInput,
} from "../../../modules/orders/domain/decision.ts";
import type { Order, OrderStatus } from "../../../modules/orders/domain/order.ts";
import { newOrder } from "../../../modules/orders/domain/place.ts";
import { decide } from "../../../modules/orders/domain/transitions.ts";

export const T0 = Date.parse("2030-01-01T00:00:00.000Z");

export function clockAt(now: number, feeBps = 0): SagaClock {
  return { now, feeBps, stepTimeoutMs: 1_000 };
}

export const reserved: Extract<SagaInput, { kind: "stock_reserved" }> = {
  kind: "stock_reserved",
  lines: [
    { product_id: "p1", quantity: 2, unit_price: 1_250 },
    { product_id: "p2", quantity: 1, unit_price: 999 },
  ],
};
export const paid: SagaInput = { kind: "payment_succeeded", amount: 3_499 };
export const committed: SagaInput = { kind: "reservation_committed" };
export const cancel: SagaInput = { kind: "cancel" };
export const outOfStock: SagaInput = {
  kind: "reservation_rejected",
  reason: "out_of_stock",
  product_id: "p1",
};
export const lost: SagaInput = { kind: "reservation_lost", product_id: "p1" };
export const commitFailed: SagaInput = {
  kind: "reservation_commit_failed",
  reason: "reservation_lost",
};
export const deadline: SagaInput = { kind: "deadline_passed" };
export const failed = (
  reason: "insufficient_funds" | "unknown_customer" | "voided",
): SagaInput => ({
  kind: "payment_failed",
  reason,
});

/** One of every input the saga knows. */
export const ALL_INPUTS: SagaInput[] = [
  reserved,
  outOfStock,
  { kind: "reservation_rejected", reason: "unknown_product", product_id: "p1" },
  paid,
  failed("insufficient_funds"),
  failed("unknown_customer"),
  failed("voided"),
  committed,
  commitFailed,
  lost,
  cancel,
  deadline,
];

export function pending(): Order {
  return newOrder({
    id: "ord_1",
    customer_id: "cus_1",
    items: [{ product_id: "p1", quantity: 2 }, { product_id: "p2", quantity: 1 }],
    correlation_id: "corr_1",
    traceparent: null,
  }, clockAt(T0));
}

/** The order after `decision`, or a failure naming why it was not applied. */
export function applied(decision: Decision): { order: Order; emit: Emission[] } {
  assert.equal(decision.kind, "apply", `expected apply, got ${JSON.stringify(decision)}`);
  return decision as Extract<Decision, { kind: "apply" }>;
}

/** Plays `inputs` from a fresh order, one millisecond apart, each one required to apply. */
export function play(...inputs: SagaInput[]): Order {
  let order = pending();
  inputs.forEach((input, index) => {
    order = { ...applied(decide(order, input, clockAt(T0 + index + 1))).order };
    order.version++;
  });
  return order;
}

export const ORDERS_BY_STATUS: Record<OrderStatus, () => Order> = {
  pending,
  reserved: () => play(reserved),
  paid: () => play(reserved, paid),
  confirmed: () => play(reserved, paid, committed),
  rejected: () => play({ kind: "reservation_rejected", reason: "out_of_stock", product_id: "p1" }),
  cancelled: () => play(cancel),
  refunded: () => play(reserved, paid, committed, cancel),
};

export function at(status: OrderStatus): Order {
  return ORDERS_BY_STATUS[status]();
}

/** Asserts that `input` leaves `order` alone. */
export function ignored(order: Order, input: SagaInput): void {
  const decision = decide(order, input, clockAt(T0 + 60_000));
  assert.equal(decision.kind, "ignore", `${input.kind} on ${order.status}: ${decision.kind}`);
}

/** The event types of a decision, in order. */
export function typesOf(decision: Decision): string[] {
  return decision.kind === "apply" ? decision.emit.map((e) => e.event.type) : [];
}
