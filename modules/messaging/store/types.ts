/**
 * The store contract the memory and Redis messaging stores both fulfil (held
 * to one conformance suite, `testing/modules/messaging/store_conformance.ts`).
 *
 * @module
 */
import type { Envelope } from "../../../bus/mod.ts";
import type { Outbox } from "../../../lib/outbox.ts";
import type { Contact, DeliveryResult, Invoice, NewInvoice } from "../domain/types.ts";
import type { Notification, NotificationFilter, ProductName } from "../domain/types.ts";

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
