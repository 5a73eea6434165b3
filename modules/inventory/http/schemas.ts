/**
 * The zod schemas of inventory's HTTP API: what the routes accept (strict, so
 * an unknown field is a 400, not silently dropped) and what they answer (for
 * the OpenAPI document).
 *
 * @module
 */
import { z } from "zod";
import { money } from "../../../lib/schemas.ts";

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
});

export const updateProductBody = z.strictObject({
  name: name.optional(),
  price: money.optional(),
  description: description.nullable().optional(),
  tags: tags.optional(),
}).refine((patch) => Object.keys(patch).length > 0, {
  message: "Give at least one of name, price, description, tags",
});

export const restockBody = z.strictObject({
  quantity: z.number().int().positive().max(MAX_STOCK),
});

/** Query values arrive as text; an empty value (`?tag=`) counts as absent. */
export const listQuery = z.object({
  tag: tag.optional(),
  q: z.string().min(1).max(100).optional(),
  limit: z.string().regex(/^[0-9]{1,3}$/, "must be a whole number from 1 to 100")
    .transform(Number)
    .pipe(z.number().int().min(1, "must be at least 1").max(100, "must be at most 100"))
    .optional(),
  cursor: z.string().max(64).optional(),
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
  likes: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const productPageResponse = z.object({
  items: z.array(productResponse),
  next_cursor: z.string().nullable(),
});

export const likesResponse = z.object({ likes: z.number().int() });
