/**
 * What the messaging module keeps: contacts and product names copied from
 * other modules' events, notifications with their delivery state, invoices.
 *
 * @module
 */

export type NotificationKind = "confirmed" | "rejected" | "cancelled" | "refunded";

/** `pending` until the delivery worker has sent it (`sent`) or given up (`failed`). */
export type DeliveryStatus = "pending" | "sent" | "failed";

/** A customer's name and address, copied from `accounts.customer_registered`. */
export interface Contact {
  customer_id: string;
  name: string;
  email: string;
}

/**
 * What a product is called, copied from `inventory.product_saved`. `revision`
 * orders the copies: a higher one is newer.
 */
export interface ProductName {
  product_id: string;
  name: string;
  revision: number;
}

export interface Notification {
  id: string;
  customer_id: string;
  order_id: string;
  kind: NotificationKind;
  subject: string;
  body: string;
  /** The delivery channel chosen when it was recorded: `log` or `webhook`. */
  channel: string;
  status: DeliveryStatus;
  created_at: string;
  /** Delivery attempts made so far. */
  attempts: number;
  /** Why the last attempt failed, when it did. */
  last_error: string | null;
}

export interface InvoiceLine {
  product_id: string;
  /** What the product was called when the invoice was issued; null when messaging had not heard. */
  name: string | null;
  quantity: number;
  unit_price: number;
  /** quantity × unit_price */
  amount: number;
}

export interface Invoice {
  order_id: string;
  customer_id: string;
  /** Sequential per store, `INV-000001`: numbered only when the invoice is really issued. */
  number: string;
  items: InvoiceLine[];
  subtotal: number;
  fee: number;
  total: number;
  issued_at: string;
  /** From the customer's registration, when messaging had heard of it by then. */
  customer_name: string | null;
  customer_email: string | null;
}

/** An invoice before the store gives it a number. */
export type NewInvoice = Omit<Invoice, "number">;

/** The invoice number for the n-th invoice of a store (the Lua script formats it the same way). */
export function invoiceNumber(n: number): string {
  return `INV-${String(n).padStart(6, "0")}`;
}

export interface NotificationFilter {
  customer_id?: string;
  order_id?: string;
  /** Newest first, at most this many. */
  limit: number;
}

/** How one delivery attempt ended. `pending` schedules another attempt at `retry_at` (ms). */
export type DeliveryResult =
  | { status: "sent"; attempts: number }
  | { status: "failed"; attempts: number; error: string }
  | { status: "pending"; attempts: number; error: string | null; retry_at: number };
