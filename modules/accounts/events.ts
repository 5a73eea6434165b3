/**
 * What accounts publishes: the one file of accounts other modules may import.
 *
 * @module
 */
import { z } from "zod";
import { defineEvent } from "../../bus/mod.ts";
import { id, money } from "../../lib/schemas.ts";

/** The consumer group every accounts process shares. */
export const ACCOUNTS_GROUP = "accounts";
/** The `source` of every envelope accounts writes. */
export const ACCOUNTS_SOURCE = "accounts";

export const customerRegistered = defineEvent(
  "accounts.customer_registered",
  z.object({ customer_id: id, name: z.string(), email: z.string() }),
);

/** The order's total was taken from the customer's balance (once per order). */
export const paymentSucceeded = defineEvent(
  "accounts.payment_succeeded",
  z.object({ order_id: id, customer_id: id, amount: money }),
);

/** Nothing was taken: `voided` means a refund for the order came first. */
export const paymentFailed = defineEvent(
  "accounts.payment_failed",
  z.object({
    order_id: id,
    customer_id: id,
    reason: z.enum(["insufficient_funds", "unknown_customer", "voided"]),
  }),
);

/** The order's charge went back to the customer (at most once per order). */
export const paymentRefunded = defineEvent(
  "accounts.payment_refunded",
  z.object({ order_id: id, customer_id: id, amount: money }),
);

export const accountsEvents = [
  customerRegistered,
  paymentSucceeded,
  paymentFailed,
  paymentRefunded,
] as const;
