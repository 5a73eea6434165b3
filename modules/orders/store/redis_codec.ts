/**
 * An order as the Redis store keeps it: one string, `<version> <status> <doc>`,
 * so a script reads the version and status it compares and indexes by without
 * decoding the doc, and the order costs one small value rather than a hash
 * (whose fields past 64 bytes make Redis keep it in its large encoding).
 *
 * The doc is a JSON array in a fixed order, without the id (the key has it),
 * the version and status (in front), with statuses as their index in
 * ORDER_STATUSES and times as epoch ms whenever that gives the same ISO text
 * back (any other text is kept as it is), those after the creation (history,
 * update, deadline) as ms since it. Its first element is the format, so
 * a later layout can still read this one.
 *
 * @module
 */
import {
  type HistoryEntry,
  type Order,
  ORDER_STATUSES,
  type OrderLine,
  type OrderStatus,
} from "../domain/order.ts";
import { type CompactTime, compactTime, isoTime } from "../../../lib/compact_time.ts";

const FORMAT = 2;

/**
 * A time after the order's creation: ms since it when both are epoch ms (a few digits,
 * not thirteen), else as compactTime gives it.
 */
function since(created: CompactTime, iso: string): CompactTime {
  const time = compactTime(iso);
  return typeof created === "number" && typeof time === "number" ? time - created : time;
}

function at(created: CompactTime, stored: CompactTime): string {
  return isoTime(
    typeof created === "number" && typeof stored === "number" ? created + stored : stored,
  );
}

const statusIndex = new Map<OrderStatus, number>(ORDER_STATUSES.map((status, i) => [status, i]));

function statusAt(index: unknown): OrderStatus {
  const status = ORDER_STATUSES[index as number];
  if (status === undefined) throw new Error(`Stored order names unknown status ${index}`);
  return status;
}

export function encodeOrder(order: Order): string {
  const created = compactTime(order.created_at);
  const items = order.items.flatMap((line) => [line.product_id, line.quantity, line.unit_price]);
  const history = order.history.flatMap((entry) => [
    statusIndex.get(entry.status),
    since(created, entry.at),
  ]);
  const deadline = order.deadline === null || typeof created !== "number"
    ? order.deadline
    : order.deadline - created;
  const doc = [
    FORMAT,
    order.customer_id,
    items,
    order.subtotal,
    order.fee,
    order.total,
    order.reason,
    history,
    created,
    since(created, order.updated_at),
    deadline,
    order.correlation_id,
    order.traceparent,
  ];
  return `${order.version} ${order.status} ${JSON.stringify(doc)}`;
}

export function decodeOrder(id: string, stored: string): Order {
  const [, version, status, json] = /^(\d+) (\w+) (.*)$/s.exec(stored) ?? [];
  if (json === undefined) throw new Error(`Stored order "${id}" is not in the store's format`);
  const doc = JSON.parse(json) as unknown[];
  if (doc[0] !== FORMAT) throw new Error(`Stored order "${id}" has unknown format ${doc[0]}`);
  const [, customer_id, items, subtotal, fee, total, reason, history, created, updated] = doc;
  const [deadline, correlation_id, traceparent] = doc.slice(10);
  const flatItems = items as unknown[];
  const lines: OrderLine[] = [];
  for (let i = 0; i + 2 < flatItems.length; i += 3) {
    lines.push({
      product_id: flatItems[i] as string,
      quantity: flatItems[i + 1] as number,
      unit_price: flatItems[i + 2] as number | null,
    });
  }
  const flatHistory = history as unknown[];
  const entries: HistoryEntry[] = [];
  for (let i = 0; i + 1 < flatHistory.length; i += 2) {
    entries.push({
      status: statusAt(flatHistory[i]),
      at: at(created as CompactTime, flatHistory[i + 1] as CompactTime),
    });
  }
  return {
    id,
    customer_id: customer_id as string,
    items: lines,
    subtotal: subtotal as number | null,
    fee: fee as number | null,
    total: total as number | null,
    status: status as OrderStatus,
    reason: reason as string | null,
    history: entries,
    created_at: isoTime(created as CompactTime),
    updated_at: at(created as CompactTime, updated as CompactTime),
    deadline: deadline === null || typeof created !== "number"
      ? deadline as number | null
      : created + (deadline as number),
    version: Number(version),
    correlation_id: correlation_id as string,
    traceparent: traceparent as string | null,
  };
}
