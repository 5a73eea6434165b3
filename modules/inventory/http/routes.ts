/**
 * Inventory's HTTP routes, all under `/inventory`. Each handler checks who is
 * calling, reads its input through a zod schema and hands off to the service;
 * errors are thrown and mapped to the SPEC body by the process's `onError`.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { Guard } from "../../../lib/auth.ts";
import { invalid, notFound } from "../../../lib/errors.ts";
import { invalidFrom, param, readBody, readQuery } from "../../../lib/http.ts";
import { id as idSchema } from "../../../lib/schemas.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { InventoryService } from "../service.ts";
import {
  createProductBody,
  DEFAULT_LIMIT,
  listQuery,
  relatedQuery,
  restockBody,
  tagsQuery,
  updateProductBody,
} from "./schemas.ts";

/** A path id that could never name a product is simply not found (and never reaches a key). */
function productId(c: Context): string {
  const value = param(c, "id");
  if (!idSchema.safeParse(value).success) throw notFound("Product", value);
  return value;
}

/** `?tag=&q=` as in the SPEC's own example: an empty value means "no filter". */
function readListQuery(c: Context) {
  const given = Object.fromEntries(
    Object.entries(c.req.query()).filter(([, value]) => value !== ""),
  );
  const result = listQuery.safeParse(given);
  if (!result.success) throw invalidFrom(result.error, "Query");
  const { cursor, limit, ...filters } = result.data;
  let afterSeq: number | undefined;
  if (cursor !== undefined) {
    const seq = decodeCursor(cursor);
    if (seq === null) throw invalid(`Query is invalid at "cursor": "${cursor}" is not a cursor`);
    afterSeq = seq;
  }
  return { ...filters, limit: limit ?? DEFAULT_LIMIT, afterSeq };
}

export function inventoryRoutes(inventory: InventoryService, guard: Guard): Hono {
  const app = new Hono();

  app.post("/inventory/products", async (c) => {
    await guard.admin(c);
    const body = await readBody(c, createProductBody);
    return c.json(await inventory.createProduct(body), 201);
  });

  app.get("/inventory/products", async (c) => {
    const page = await inventory.listProducts(readListQuery(c));
    return c.json({
      items: page.items,
      next_cursor: page.nextSeq === null ? null : encodeCursor(page.nextSeq),
    });
  });

  app.get("/inventory/products/:id", async (c) => {
    return c.json(await inventory.getProduct(productId(c)));
  });

  app.get("/inventory/products/:id/related", async (c) => {
    const id = productId(c);
    const { limit } = readQuery(c, relatedQuery);
    return c.json({ items: await inventory.related(id, limit) });
  });

  app.get("/inventory/tags", async (c) => {
    const { limit } = readQuery(c, tagsQuery);
    return c.json({ items: await inventory.tags(limit) });
  });

  app.get("/inventory/reservations/:order_id", async (c) => {
    await guard.admin(c);
    const orderId = param(c, "order_id");
    if (!idSchema.safeParse(orderId).success) throw notFound("Reservation of order", orderId);
    const reservation = await inventory.reservation(orderId);
    return c.json({
      order_id: reservation.order_id,
      status: reservation.state,
      lines: reservation.lines,
      reason: reservation.reason,
      product_id: reservation.product_id,
      created_at: reservation.created_at,
      updated_at: reservation.updated_at,
    });
  });

  app.patch("/inventory/products/:id", async (c) => {
    await guard.admin(c);
    const id = productId(c);
    const patch = await readBody(c, updateProductBody);
    return c.json(await inventory.updateProduct(id, patch));
  });

  app.post("/inventory/products/:id/restock", async (c) => {
    await guard.admin(c);
    const id = productId(c);
    const { quantity } = await readBody(c, restockBody);
    return c.json(await inventory.restock(id, quantity));
  });

  app.delete("/inventory/products/:id", async (c) => {
    await guard.admin(c);
    await inventory.deleteProduct(productId(c));
    return c.body(null, 204);
  });

  app.post("/inventory/products/:id/likes", async (c) => {
    const customerId = await guard.customer(c);
    return c.json({ likes: await inventory.like(productId(c), customerId) });
  });

  return app;
}
