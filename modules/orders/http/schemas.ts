/**
 * The shapes of the orders API, validated on the way in and documented in
 * /openapi.json from the same zod schemas.
 *
 * @module
 */
import { z } from "zod";
import { id, money, quantity, timestamp } from "../../../lib/schemas.ts";
import { ORDER_STATUSES } from "../saga/order.ts";

/** Lines per order: enough for any basket, small enough to keep every message small. */
export const MAX_LINES = 100;
/** Orders per listing page. */
export const MAX_LIST = 100;

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

export const listOrdersQuery = z.object({
  customer_id: id.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIST).default(50),
});

const status = z.enum(ORDER_STATUSES);

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

export const orderListResponse = z.object({ items: z.array(orderResponse) });
