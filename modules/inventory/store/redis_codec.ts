/**
 * Between Redis hashes and inventory records, and the pieces of an envelope
 * the Lua scripts complete.
 *
 * @module
 */
import { z } from "zod";
import { defineEvent, type EventContract } from "../../../bus/mod.ts";
import { outboxEvent } from "../../../lib/outbox.ts";
import type { ProductRecord } from "../domain/product.ts";
import { type Reservation, RESERVATION_STATES, type ReservedLine } from "../domain/reservation.ts";
import { INVENTORY_SOURCE } from "../events.ts";
import type { Cause } from "./types.ts";

/** The catalog fields kept as one JSON document (the counters are hash fields of their own). */
export interface ProductDoc {
  name: string;
  sku: string | null;
  description: string | null;
  tags: string[];
  /** Absent in documents written before products could be featured. */
  featured?: boolean;
}

export function docOf(record: Pick<ProductRecord, keyof ProductDoc>): string {
  const doc: ProductDoc = {
    name: record.name,
    sku: record.sku,
    description: record.description,
    tags: record.tags,
    featured: record.featured,
  };
  return JSON.stringify(doc);
}

/** ioredis returns HGETALL as an object, but a script's HGETALL as a flat array. */
export function hashFrom(reply: unknown): Record<string, string> {
  if (!Array.isArray(reply)) return (reply ?? {}) as Record<string, string>;
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) hash[String(reply[i])] = String(reply[i + 1]);
  return hash;
}

const int = (text: string | undefined) => Number(text ?? "0");

export function productFrom(id: string, hash: Record<string, string>): ProductRecord | null {
  if (hash.doc === undefined) return null;
  const doc = JSON.parse(hash.doc) as ProductDoc;
  return {
    id,
    seq: int(hash.seq),
    ...doc,
    featured: doc.featured ?? false,
    price: int(hash.price),
    stock: int(hash.stock),
    reserved: int(hash.reserved),
    sold: int(hash.sold),
    received: int(hash.received),
    likes: int(hash.likes),
    revision: int(hash.revision),
    created_at: hash.created_at ?? "",
    updated_at: hash.updated_at ?? "",
  };
}

const stateSchema = z.enum(RESERVATION_STATES);

/**
 * A stored reservation (redis_scripts.ts): state, created and updated (epoch ms), reason,
 * product id, then the lines' JSON, tab-separated; `lines` is that JSON as stored.
 */
export function reservationOf(
  orderId: string,
  stored: string | null,
): { reservation: Reservation; lines: string } | null {
  if (stored === null) return null;
  const fields = stored.split("\t");
  const [state, created, updated, reason, productId] = fields;
  const lines = fields.slice(5).join("\t");
  return {
    reservation: {
      order_id: orderId,
      state: stateSchema.parse(state),
      lines: JSON.parse(lines || "[]") as ReservedLine[],
      reason: reason === "unknown_product" || reason === "out_of_stock" ? reason : null,
      product_id: productId || null,
      created_at: new Date(Number(created)).toISOString(),
      updated_at: new Date(Number(updated)).toISOString(),
    },
    lines,
  };
}

/** An envelope's id and its other fields but `data`, as the inside of a JSON object. */
export interface EventStub {
  id: string;
  head: string;
}

const anyData = new Map<string, EventContract>();

/**
 * Built by `outboxEvent` like every other outbox entry (same correlation,
 * causation and trace rules); only the data is left for the script to write.
 */
export function eventStub(event: EventContract, cause: Cause): EventStub {
  let contract = anyData.get(event.type);
  if (!contract) anyData.set(event.type, contract = defineEvent(event.type, z.unknown()));
  const { id, data: _data, ...rest } = outboxEvent(INVENTORY_SOURCE, contract, null, cause);
  return { id, head: JSON.stringify(rest).slice(1, -1) };
}

/** A script's arguments for the events it may emit: each one's stub id, then head, in order. */
export function stubArgs(cause: Cause, ...events: EventContract[]): string[] {
  return events.flatMap((event) => {
    const { id, head } = eventStub(event, cause);
    return [id, head];
  });
}
