/**
 * What inventory publishes: the one file of inventory other modules may import.
 *
 * @module
 */
import { z } from "zod";
import { defineEvent } from "../../bus/mod.ts";
import { id, money, quantity, timestamp } from "../../lib/schemas.ts";

/** The consumer group every inventory process shares. */
export const INVENTORY_GROUP = "inventory";
/** The `source` of every envelope inventory writes. */
export const INVENTORY_SOURCE = "inventory";

export const reservedLine = z.object({ product_id: id, quantity, unit_price: money });

/** Every line of the order is held at a fixed price. */
export const stockReserved = defineEvent(
  "inventory.stock_reserved",
  z.object({ order_id: id, lines: z.array(reservedLine).min(1) }),
);

/** Nothing was held: a line named an unknown product or asked for more than is in stock. */
export const reservationRejected = defineEvent(
  "inventory.reservation_rejected",
  z.object({
    order_id: id,
    reason: z.enum(["out_of_stock", "unknown_product"]),
    product_id: id,
  }),
);

/** The held stock is sold. */
export const reservationCommitted = defineEvent(
  "inventory.reservation_committed",
  z.object({ order_id: id }),
);

/** The stock could not be committed: it was lost (product deleted) or released before. */
export const reservationCommitFailed = defineEvent(
  "inventory.reservation_commit_failed",
  z.object({ order_id: id, reason: z.enum(["reservation_lost", "reservation_released"]) }),
);

/** The order's stock is back on the shelf: `returned` when it had been sold. */
export const stockReleased = defineEvent(
  "inventory.stock_released",
  z.object({ order_id: id, returned: z.boolean() }),
);

/** A product was deleted while this order held stock of it; the order's other lines were released. */
export const reservationLost = defineEvent(
  "inventory.reservation_lost",
  z.object({ order_id: id, product_id: id }),
);

/**
 * A product was created, or a change renamed or repriced it: what it is called
 * and costs now. `revision` grows with every change of the product, so a
 * consumer keeping a copy can tell an older event arriving late from a newer one.
 */
export const productSaved = defineEvent(
  "inventory.product_saved",
  z.object({
    product_id: id,
    name: z.string(),
    price: money,
    sku: z.string().nullable(),
    revision: z.number().int().positive(),
    updated_at: timestamp,
  }),
);

export const productDeleted = defineEvent(
  "inventory.product_deleted",
  z.object({ product_id: id }),
);

export const inventoryEvents = [
  stockReserved,
  reservationRejected,
  reservationCommitted,
  reservationCommitFailed,
  stockReleased,
  reservationLost,
  productSaved,
  productDeleted,
] as const;
