/**
 * Notifications and invoices as the Redis store keeps them: one string each,
 * the fields a script compares or sets in front (`<status> <attempts> <doc>`,
 * `<number> <doc>`), the rest a JSON array in a fixed order without what the
 * key already says (the id, the order id of an invoice), times as epoch ms
 * whenever that gives the same ISO text back. One small value, not a hash
 * whose long text fields force Redis's large encoding. The first element is
 * the format, so a later layout can still read this one.
 *
 * @module
 */
import type {
  DeliveryStatus,
  Invoice,
  InvoiceLine,
  NewInvoice,
  Notification,
  NotificationKind,
} from "../domain/types.ts";
import { type CompactTime, compactTime, isoTime } from "../../../lib/compact_time.ts";

const FORMAT = 1;

function docOf(id: string, what: string, json: string | undefined): unknown[] {
  if (json === undefined) throw new Error(`Stored ${what} "${id}" is not in the store's format`);
  const doc = JSON.parse(json) as unknown[];
  if (doc[0] !== FORMAT) throw new Error(`Stored ${what} "${id}" has unknown format ${doc[0]}`);
  return doc;
}

/** `<status> <attempts> <doc>\n<last error>` */
export function encodeNotification(n: Notification): string {
  const doc = [
    FORMAT,
    n.customer_id,
    n.order_id,
    n.kind,
    n.subject,
    n.body,
    n.channel,
    compactTime(n.created_at),
  ];
  return `${n.status} ${n.attempts} ${JSON.stringify(doc)}\n${n.last_error ?? ""}`;
}

export function decodeNotification(id: string, stored: string): Notification {
  const [, status, attempts, json, last_error] = /^(\w+) (\d+) ([^\n]*)\n(.*)$/s.exec(stored) ??
    [];
  const [, customer_id, order_id, kind, subject, body, channel, created] = docOf(
    id,
    "notification",
    json,
  );
  return {
    id,
    customer_id: customer_id as string,
    order_id: order_id as string,
    kind: kind as NotificationKind,
    subject: subject as string,
    body: body as string,
    channel: channel as string,
    status: status as DeliveryStatus,
    created_at: isoTime(created as CompactTime),
    attempts: Number(attempts),
    last_error: last_error || null,
  };
}

/** The invoice's doc, for the script that numbers it (`<number> <doc>`). */
export function encodeInvoice(invoice: NewInvoice): string {
  const items = invoice.items.flatMap((line) => [
    line.product_id,
    line.name,
    line.quantity,
    line.unit_price,
    line.amount,
  ]);
  return JSON.stringify([
    FORMAT,
    invoice.customer_id,
    items,
    invoice.subtotal,
    invoice.fee,
    invoice.total,
    compactTime(invoice.issued_at),
    invoice.customer_name,
    invoice.customer_email,
  ]);
}

export function decodeInvoice(orderId: string, stored: string): Invoice {
  const [, number, json] = /^(\S+) (.*)$/s.exec(stored) ?? [];
  const [, customer_id, items, subtotal, fee, total, issued, name, email] = docOf(
    orderId,
    "invoice of order",
    json,
  );
  const flat = items as unknown[];
  const lines: InvoiceLine[] = [];
  for (let i = 0; i + 4 < flat.length; i += 5) {
    lines.push({
      product_id: flat[i] as string,
      name: flat[i + 1] as string | null,
      quantity: flat[i + 2] as number,
      unit_price: flat[i + 3] as number,
      amount: flat[i + 4] as number,
    });
  }
  return {
    order_id: orderId,
    customer_id: customer_id as string,
    number: number!,
    items: lines,
    subtotal: subtotal as number,
    fee: fee as number,
    total: total as number,
    issued_at: isoTime(issued as CompactTime),
    customer_name: name as string | null,
    customer_email: email as string | null,
  };
}
