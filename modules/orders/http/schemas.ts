/**
 * The shapes of the orders API, validated on the way in and documented in
 * /openapi.json from the same zod schemas.
 *
 * @module
 */
import { z } from "zod";
import { id, money, quantity, timestamp } from "../../../lib/schemas.ts";
import { ORDER_STATUSES } from "../domain/order.ts";
import { MAX_CURSOR_LENGTH } from "./cursor.ts";

/** Lines per order: enough for any basket, small enough to keep every message small. */
export const MAX_LINES = 100;
/** Orders per listing page: by default, and at most (a client pages on with `cursor`). */
export const DEFAULT_LIST = 100;
export const MAX_LIST = 1_000;

/**
 * A product appears on one line only: two lines for one product would leave
 * inventory to guess whether they add up, so the client is asked to merge them.
 */
export const placeOrderBody = z.strictObject({
  customer_id: id,
  items: z.array(z.strictObject({ product_id: id, quantity }))
    .min(1, "an order needs at least one line")
    .max(MAX_LINES, `an order has at most ${MAX_LINES} lines`)
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((item, index) => {
        if (seen.has(item.product_id)) {
          ctx.addIssue({
            code: "custom",
            message:
              `product "${item.product_id}" is on more than one line; put its quantity on one`,
            path: [index, "product_id"],
          });
        }
        seen.add(item.product_id);
      });
    }),
});

const status = z.enum(ORDER_STATUSES);

export const listOrdersQuery = z.object({
  customer_id: id.optional(),
  /** Only the orders in this status now. */
  status: status.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIST).default(DEFAULT_LIST),
  /** The `next_cursor` of the page before; checked by decodeCursor() (cursor.ts). */
  cursor: z.string().min(1).max(MAX_CURSOR_LENGTH).optional(),
});

export const orderResponse = z.object({
  id,
  customer_id: id,
  items: z.array(z.object({ product_id: id, quantity, unit_price: money.nullable() })),
  subtotal: money.nullable(),
  fee: money.nullable(),
  total: money.nullable(),
  status,
  reason: z.string().nullable(),
  history: z.array(z.object({ status, at: timestamp })),
  created_at: timestamp,
  updated_at: timestamp,
});

/** SPEC's `{items}`, plus where the next page starts (null on the last page). */
export const orderListResponse = z.object({
  items: z.array(orderResponse),
  next_cursor: z.string().nullable(),
});

/** Orders per status (every status, zero included) and in all. */
export const orderStatsResponse = z.object({
  by_status: z.object(
    Object.fromEntries(
      ORDER_STATUSES.map((name) => [name, z.number().int().nonnegative()]),
    ) as Record<typeof ORDER_STATUSES[number], z.ZodNumber>,
  ),
  total: z.number().int().nonnegative(),
});
