/**
 * Where a listing page ended: the last order's creation time and id. Listings
 * run newest first with equal times broken by id, descending (as a Redis
 * ZREVRANGE orders them), so "everything after this position" is the same set
 * however many orders were placed since — paging on a position rather than an
 * offset is what keeps pages stable under concurrent inserts.
 *
 * @module
 */
import type { Order } from "./order.ts";

export interface OrderPosition {
  /** Creation time (ms since the epoch), the index's sort score. */
  created: number;
  id: string;
}

export function positionOf(order: Order): OrderPosition {
  return { created: Date.parse(order.created_at), id: order.id };
}

/** Whether `order` lists after `position` in newest-first order. */
export function listsAfter(order: Order, position: OrderPosition): boolean {
  const created = Date.parse(order.created_at);
  return created < position.created || (created === position.created && order.id < position.id);
}
