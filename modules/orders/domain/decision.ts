/**
 * The vocabulary of the saga's pure functions: what comes in (an event from
 * another module, a command, the clock), what goes out (a decision), and the
 * one way an order moves to a new status.
 *
 * @module
 */
import type { z } from "zod";
import type { EventContract } from "../../../bus/mod.ts";
import { isTerminal, type Order, type OrderStatus } from "./order.ts";

/** An event the saga wants published, written to the outbox with the order. */
export interface Emission {
  event: EventContract;
  data: unknown;
}

/** Keeps `data` checked against its contract where the emission is built. */
export function emission<C extends EventContract>(event: C, data: z.input<C["schema"]>): Emission {
  return { event, data };
}

export interface ReservedLine {
  product_id: string;
  quantity: number;
  unit_price: number;
}

/** Everything that can move an order: other modules' answers, a cancel, a passed deadline. */
export type SagaInput =
  | { kind: "stock_reserved"; lines: ReservedLine[] }
  | { kind: "reservation_rejected"; reason: "out_of_stock" | "unknown_product"; product_id: string }
  | { kind: "payment_succeeded"; amount: number }
  | { kind: "payment_failed"; reason: "insufficient_funds" | "unknown_customer" | "voided" }
  | { kind: "reservation_committed" }
  | { kind: "reservation_commit_failed"; reason: "reservation_lost" | "reservation_released" }
  | { kind: "reservation_lost"; product_id: string }
  | { kind: "cancel" }
  | { kind: "deadline_passed" };

/**
 * `apply`: write `order` (compare-and-set on the version it was read at) with
 * `emit` in the outbox. `ignore`: a duplicate, stale or out-of-order input that
 * changes nothing. `refuse`: a command that is not allowed now (a 409).
 */
export type Decision =
  | { kind: "apply"; order: Order; emit: Emission[] }
  | { kind: "ignore"; why: string }
  | { kind: "refuse"; why: string };

export interface SagaClock {
  /** Epoch ms. */
  now: number;
  feeBps: number;
  stepTimeoutMs: number;
}

export const apply = (order: Order, ...emit: Emission[]): Decision => ({
  kind: "apply",
  order,
  emit,
});
export const ignore = (why: string): Decision => ({ kind: "ignore", why });
export const refuse = (why: string): Decision => ({ kind: "refuse", why });

/**
 * The order in `status` from now on: a history entry, a fresh deadline for a
 * step that waits on an answer, none for an outcome.
 */
export function enter(
  order: Order,
  status: OrderStatus,
  clock: SagaClock,
  changes: Partial<Pick<Order, "reason" | "items" | "subtotal" | "fee" | "total">> = {},
): Order {
  const at = new Date(clock.now).toISOString();
  return {
    ...order,
    ...changes,
    status,
    history: [...order.history, { status, at }],
    updated_at: at,
    deadline: isTerminal(status) ? null : clock.now + clock.stepTimeoutMs,
  };
}
