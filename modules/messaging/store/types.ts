/**
 * What the messaging module keeps, and the store contract the memory and
 * Redis stores both fulfil (checked by `conformance.ts`).
 *
 * @module
 */
import type { Envelope } from "../../../bus/types.ts";
import type { Outbox } from "../../../lib/outbox.ts";

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

export interface MessagingStore {
  readonly outbox: Outbox;
  saveContact(contact: Contact): Promise<void>;
  contact(customerId: string): Promise<Contact | null>;
  /**
   * Keeps a product's name unless the store holds one of the same or a higher
   * revision (a redelivery, or an older rename arriving late). True when kept.
   */
  saveProductName(entry: ProductName): Promise<boolean>;
  /** The names known of these products, by id; unknown ones are left out. */
  productNames(productIds: readonly string[]): Promise<Map<string, string>>;
  /**
   * Records a notification (and, for `confirmed`, its invoice), queues its
   * delivery and appends `created` to the outbox, all at once, unless the
   * order already has a notification of that kind: then it changes nothing
   * and returns null. Exactly one per (order, kind), even under concurrency.
   */
  recordNotification(
    notification: Notification,
    invoice: NewInvoice | null,
    created: Envelope,
  ): Promise<Notification | null>;
  notification(id: string): Promise<Notification | null>;
  /** Newest first. */
  notifications(filter: NotificationFilter): Promise<Notification[]>;
  invoice(orderId: string): Promise<Invoice | null>;
  /**
   * Takes up to `limit` deliveries due by `now` (ms) and hides them from other
   * workers until `leaseUntil`: a worker that dies mid-send leaves its
   * deliveries to be claimed again once the lease runs out.
   */
  claimDeliveries(now: number, leaseUntil: number, limit: number): Promise<Notification[]>;
  /** When the next queued delivery is due (ms), or null when none is queued. */
  nextDeliveryAt(): Promise<number | null>;
  /** Records an attempt's result; ignored when the notification is no longer pending. */
  settleDelivery(id: string, result: DeliveryResult): Promise<void>;
  ping(): Promise<void>;
}
