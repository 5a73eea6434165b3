/**
 * A new order, before anything is known of its stock or its money.
 *
 * @module
 */
import type { SagaClock } from "./decision.ts";
import type { Order } from "./order.ts";

export interface NewOrder {
  id: string;
  customer_id: string;
  items: { product_id: string; quantity: number }[];
  /** The order.placed envelope's correlation id and trace, which every later event continues. */
  correlation_id: string;
  traceparent: string | null;
}

// The same fields as viewOf (order.ts), the other way round: a new order from a request, with no
// prices yet (unit_price null); viewOf copies a stored order out for a reader.
export function newOrder(request: NewOrder, clock: SagaClock): Order {
  const at = new Date(clock.now).toISOString();
  return {
    id: request.id,
    customer_id: request.customer_id,
    items: request.items.map((item) => ({
      product_id: item.product_id,
      quantity: item.quantity,
      unit_price: null,
    })),
    subtotal: null,
    fee: null,
    total: null,
    status: "pending",
    reason: null,
    history: [{ status: "pending", at }],
    created_at: at,
    updated_at: at,
    deadline: clock.now + clock.stepTimeoutMs,
    version: 1,
    correlation_id: request.correlation_id,
    traceparent: request.traceparent,
  };
}
