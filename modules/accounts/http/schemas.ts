/**
 * The accounts HTTP contract in zod: request bodies (validated) and responses
 * (documented in the OpenAPI document).
 *
 * @module
 */
import { z } from "zod";
import { id, money, timestamp } from "../../../lib/schemas.ts";
import type { Customer } from "../store/types.ts";

export const signUpBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254),
  /** Admin only. */
  balance: money.optional(),
});

export const depositBody = z.strictObject({
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

export const customerView = z.object({ id, name: z.string(), email: z.string(), balance: money });

export const signedUpView = customerView.extend({ token: z.string() });

export const ledgerView = z.object({
  items: z.array(z.object({
    type: z.enum(["deposit", "charge", "refund"]),
    amount: money,
    order_id: id.optional(),
    at: timestamp,
  })),
});

export const paymentView = z.object({
  order_id: id,
  customer_id: id,
  amount: money,
  status: z.enum(["charged", "refunded", "failed", "voided"]),
  reason: z.enum(["insufficient_funds", "unknown_customer", "voided"]).optional(),
  at: timestamp,
  refunded_at: timestamp.optional(),
});

/** What a client sees of a customer (the SPEC shape, nothing internal). */
export function customerOut(customer: Customer): z.infer<typeof customerView> {
  return { id: customer.id, name: customer.name, email: customer.email, balance: customer.balance };
}
