/**
 * The messaging HTTP contract in zod: the query (validated) and the responses
 * (documented in the OpenAPI document).
 *
 * @module
 */
import { z } from "zod";
import { id, money, quantity, timestamp } from "../../../lib/schemas.ts";
import { notificationKind } from "../events.ts";

export const notificationsQuery = z.strictObject({
  customer_id: id.optional(),
  order_id: id.optional(),
  /** Newest first, at most this many (default 100). */
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const notificationView = z.object({
  id,
  customer_id: id,
  order_id: id,
  kind: notificationKind,
  subject: z.string(),
  body: z.string(),
  channel: z.string(),
  status: z.enum(["pending", "sent", "failed"]),
  created_at: timestamp,
  attempts: z.number().int().nonnegative(),
  last_error: z.string().nullable(),
});

export const notificationsView = z.object({ items: z.array(notificationView) });

export const invoiceView = z.object({
  order_id: id,
  customer_id: id,
  number: z.string(),
  items: z.array(z.object({
    product_id: id,
    /** What the product is called; null when messaging has not heard of it. */
    name: z.string().nullable(),
    quantity,
    unit_price: money,
    amount: money,
  })),
  subtotal: money,
  fee: money,
  total: money,
  issued_at: timestamp,
  customer_name: z.string().nullable(),
  customer_email: z.string().nullable(),
});
