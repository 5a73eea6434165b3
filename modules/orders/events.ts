/**
 * What orders publishes: the saga's requests to the other modules and the
 * order's outcomes. The one file of orders other modules may import.
 *
 * @module
 */
import { z } from "zod";
import { defineEvent } from "../../bus/mod.ts";
import { id, money, quantity } from "../../lib/schemas.ts";

/** The consumer group every orders process shares. */
export const ORDERS_GROUP = "orders";
/** The `source` of every envelope orders writes. */
export const ORDERS_SOURCE = "orders";

export const orderItem = z.object({ product_id: id, quantity });
export const pricedItem = orderItem.extend({ unit_price: money });

/** A new order: inventory is asked to hold every line, all or nothing. */
export const orderPlaced = defineEvent(
  "order.placed",
  z.object({ order_id: id, customer_id: id, items: z.array(orderItem).min(1) }),
);

/** Accounts is asked to take `amount` from the customer, once for this order. */
export const paymentRequested = defineEvent(
  "order.payment_requested",
  z.object({ order_id: id, customer_id: id, amount: money }),
);

/** Inventory is asked to turn the order's held stock into sold stock. */
export const stockCommitRequested = defineEvent(
  "order.stock_commit_requested",
  z.object({ order_id: id }),
);

/**
 * Inventory is asked to give back whatever the order holds or took: held stock
 * is released, sold stock returned; with nothing held yet, a later reservation
 * for the order is refused.
 */
export const stockReleaseRequested = defineEvent(
  "order.stock_release_requested",
  z.object({ order_id: id }),
);

/**
 * Accounts is asked to refund whatever the order was charged; with nothing
 * charged yet, a later charge for the order is refused.
 */
export const refundRequested = defineEvent(
  "order.refund_requested",
  z.object({ order_id: id, customer_id: id }),
);

const outcome = { order_id: id, customer_id: id };

export const orderConfirmed = defineEvent(
  "order.confirmed",
  z.object({
    ...outcome,
    items: z.array(pricedItem).min(1),
    subtotal: money,
    fee: money,
    total: money,
  }),
);

export const orderRejected = defineEvent(
  "order.rejected",
  z.object({ ...outcome, reason: z.string() }),
);

export const orderCancelled = defineEvent(
  "order.cancelled",
  z.object({ ...outcome, refund: z.boolean() }),
);

export const orderRefunded = defineEvent(
  "order.refunded",
  z.object({ ...outcome, amount: money, reason: z.string() }),
);

export const orderEvents = [
  orderPlaced,
  paymentRequested,
  stockCommitRequested,
  stockReleaseRequested,
  refundRequested,
  orderConfirmed,
  orderRejected,
  orderCancelled,
  orderRefunded,
] as const;
