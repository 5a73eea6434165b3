/**
 * The order as the saga keeps it, and what a client may see of it.
 *
 * @module
 */

export const ORDER_STATUSES = [
  "pending",
  "reserved",
  "paid",
  "confirmed",
  "rejected",
  "cancelled",
  "refunded",
] as const;
export type OrderStatus = typeof ORDER_STATUSES[number];

/** Statuses the saga never leaves again (except confirmed → refunded, by a cancel). */
export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  "confirmed",
  "rejected",
  "cancelled",
  "refunded",
]);

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export interface OrderLine {
  product_id: string;
  quantity: number;
  /** Fixed when inventory reserves the line; null before. */
  unit_price: number | null;
}

export interface HistoryEntry {
  status: OrderStatus;
  at: string;
}

/** The stored order: the SPEC fields plus what the saga needs to run it. */
export interface Order {
  id: string;
  customer_id: string;
  items: OrderLine[];
  subtotal: number | null;
  fee: number | null;
  total: number | null;
  status: OrderStatus;
  reason: string | null;
  history: HistoryEntry[];
  created_at: string;
  updated_at: string;
  /** Epoch ms by which the current step must be answered; null once terminal. */
  deadline: number | null;
  /** Bumped by every write; stores compare-and-set on it. */
  version: number;
  /** Ties every event of the order into one conversation, whatever caused it (an HTTP cancel, a timeout). */
  correlation_id: string;
  /** The trace the order was placed in, continued by events that have no causing envelope. */
  traceparent: string | null;
}

/** What GET /orders/:id shows: exactly the SPEC fields, none of the saga's bookkeeping. */
export type OrderView = Omit<Order, "deadline" | "version" | "correlation_id" | "traceparent">;

export function viewOf(order: Order): OrderView {
  return {
    id: order.id,
    customer_id: order.customer_id,
    items: order.items.map((line) => ({
      product_id: line.product_id,
      quantity: line.quantity,
      unit_price: line.unit_price,
    })),
    subtotal: order.subtotal,
    fee: order.fee,
    total: order.total,
    status: order.status,
    reason: order.reason,
    history: order.history.map((entry) => ({ ...entry })),
    created_at: order.created_at,
    updated_at: order.updated_at,
  };
}
