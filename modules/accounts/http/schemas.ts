/**
 * The accounts HTTP contract in zod: request bodies (validated) and responses
 * (documented in the OpenAPI document).
 *
 * @module
 */
import { z } from "zod";
import { id, money, timestamp } from "../../../lib/schemas.ts";
import type { Customer } from "../domain/types.ts";
import { MAX_CURSOR_LENGTH } from "./cursor.ts";

/** Customers per listing page: by default, and at most. */
export const DEFAULT_LIST = 100;
export const MAX_LIST = 1_000;

const password = z.string().min(8, "must be at least 8 characters").max(256);

export const signUpBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254),
  /** Admin only. */
  balance: money.optional(),
  /** Optional: without one the customer has only the token sign-up returns. */
  password: password.optional(),
});

export const signInBody = z.strictObject({
  email: z.string().trim().min(1).max(254),
  // Any length up to the cap: a short one is simply wrong (and counts as a failure).
  password: z.string().min(1).max(256),
});

export const listCustomersQuery = z.strictObject({
  /** A case-insensitive substring of the name or the email. */
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIST).default(DEFAULT_LIST),
  /** The `next_cursor` of the page before; checked by decodeCursor() (cursor.ts). */
  cursor: z.string().min(1).max(MAX_CURSOR_LENGTH).optional(),
});

export const depositBody = z.strictObject({
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

export const customerView = z.object({ id, name: z.string(), email: z.string(), balance: money });

export const signedUpView = customerView.extend({ token: z.string() });

export const customerListView = z.object({
  items: z.array(customerView),
  next_cursor: z.string().nullable(),
});

export const sessionView = z.object({ customer_id: id, token: z.string(), expires_at: timestamp });

export const currentSessionView = z.object({
  customer_id: id,
  name: z.string(),
  email: z.string(),
  expires_at: timestamp,
});

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
