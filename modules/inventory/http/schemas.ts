/**
 * The zod schemas of inventory's HTTP API: what the routes accept (strict, so
 * an unknown field is a 400, not silently dropped) and what they answer (for
 * the OpenAPI document).
 *
 * @module
 */
import { z } from "zod";
import { money } from "../../../lib/schemas.ts";
import { RESERVATION_STATES } from "../domain/reservation.ts";
import { DEFAULT_RELATED, MAX_RELATED } from "../domain/related.ts";
import { DEFAULT_TAGS, MAX_TAGS_LISTED } from "../domain/tags.ts";

/** Generous for a shop, small enough that a counter can never leave exact integers. */
export const MAX_STOCK = 1_000_000_000;
export const MAX_TAGS = 20;

const name = z.string().trim().min(1).max(200);
const sku = z.string().trim().min(1).max(64);
const description = z.string().max(4000);
const tag = z.string().trim().min(1).max(40);
const tags = z.array(tag).max(MAX_TAGS);
const units = z.number().int().nonnegative().max(MAX_STOCK);

export const createProductBody = z.strictObject({
  name,
  price: money,
  stock: units,
  sku: sku.nullable().optional(),
  description: description.nullable().optional(),
  tags: tags.optional(),
  /** Promoted in the store's ad slot; false unless set. */
  featured: z.boolean().optional(),
});

export const updateProductBody = z.strictObject({
  name: name.optional(),
  price: money.optional(),
  description: description.nullable().optional(),
  tags: tags.optional(),
  featured: z.boolean().optional(),
}).refine((patch) => Object.keys(patch).length > 0, {
  message: "Give at least one of name, price, description, tags, featured",
});

export const restockBody = z.strictObject({
  quantity: z.number().int().positive().max(MAX_STOCK),
});

/** A whole number from 1 to `max`, as query text. */
function limitParam(max: number) {
  return z.string().regex(/^[0-9]{1,4}$/, `must be a whole number from 1 to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(1, "must be at least 1").max(max, `must be at most ${max}`));
}

/** Query values arrive as text; an empty value (`?tag=`) counts as absent. */
export const listQuery = z.object({
  tag: tag.optional(),
  q: z.string().min(1).max(100).optional(),
  featured: z.enum(["true", "false"], "must be true or false")
    .transform((value) => value === "true").optional(),
  limit: limitParam(100).optional(),
  cursor: z.string().max(64).optional(),
});

export const tagsQuery = z.object({
  limit: limitParam(MAX_TAGS_LISTED).default(DEFAULT_TAGS),
});

export const relatedQuery = z.object({
  limit: limitParam(MAX_RELATED).default(DEFAULT_RELATED),
});

export const DEFAULT_LIMIT = 20;

export const productResponse = z.object({
  id: z.string(),
  name: z.string(),
  price: money,
  stock: z.number().int(),
  reserved: z.number().int(),
  sku: z.string().nullable(),
  description: z.string().nullable(),
  tags: z.array(z.string()),
  featured: z.boolean(),
  likes: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const productPageResponse = z.object({
  items: z.array(productResponse),
  next_cursor: z.string().nullable(),
});

export const likesResponse = z.object({ likes: z.number().int() });

export const productListResponse = z.object({ items: z.array(productResponse) });

export const tagsResponse = z.object({
  items: z.array(z.object({ tag: z.string(), count: z.number().int().positive() })),
});

/** What inventory holds for an order, for the console's timeline. */
export const reservationResponse = z.object({
  order_id: z.string(),
  /** held → committed (sold) → returned; or released, lost (a product was deleted), rejected. */
  status: z.enum(RESERVATION_STATES),
  lines: z.array(
    z.object({ product_id: z.string(), quantity: z.number().int(), unit_price: money }),
  ),
  /** Why it was rejected: unknown_product or out_of_stock; null otherwise. */
  reason: z.string().nullable(),
  /** The product that was missing or short (rejected), or deleted (lost). */
  product_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
