/**
 * Messaging in process memory. Each change, outbox included, is one
 * synchronous step, which is what makes it atomic here.
 *
 * @module
 */
import type { Envelope } from "../../../bus/mod.ts";
import { copyJson } from "../../../lib/json_copy.ts";
import { MemoryOutbox } from "../../../lib/outbox.ts";
import { type MessagingStore } from "./types.ts";
import { invoiceNumber } from "../domain/types.ts";
import type { Contact, DeliveryResult, Invoice, NewInvoice } from "../domain/types.ts";
import type { Notification, NotificationFilter, ProductName } from "../domain/types.ts";

export class MemoryMessagingStore implements MessagingStore {
  readonly outbox: MemoryOutbox = new MemoryOutbox();
  readonly #contacts = new Map<string, Contact>();
  readonly #products = new Map<string, ProductName>();
  /** Insertion order is creation order. */
  readonly #notifications = new Map<string, Notification>();
  /** `<kind> <order id>` of every recorded notification: the exactly-once guard. */
  readonly #once = new Set<string>();
  readonly #invoices = new Map<string, Invoice>();
  /** Notification id → when its next delivery attempt may start (ms). */
  readonly #queue = new Map<string, number>();
  #invoiceCount = 0;

  saveContact(contact: Contact): Promise<void> {
    this.#contacts.set(contact.customer_id, { ...contact });
    return Promise.resolve();
  }

  contact(customerId: string): Promise<Contact | null> {
    const contact = this.#contacts.get(customerId);
    return Promise.resolve(contact ? { ...contact } : null);
  }

  saveProductName(entry: ProductName): Promise<boolean> {
    const known = this.#products.get(entry.product_id);
    if (known && known.revision >= entry.revision) return Promise.resolve(false);
    this.#products.set(entry.product_id, { ...entry });
    return Promise.resolve(true);
  }

  productNames(productIds: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const id of productIds) {
      const known = this.#products.get(id);
      if (known) names.set(id, known.name);
    }
    return Promise.resolve(names);
  }

  recordNotification(
    notification: Notification,
    invoice: NewInvoice | null,
    created: Envelope,
  ): Promise<Notification | null> {
    const once = `${notification.kind} ${notification.order_id}`;
    if (this.#once.has(once)) return Promise.resolve(null);
    this.#once.add(once);
    this.#notifications.set(notification.id, { ...notification });
    if (invoice) {
      this.#invoices.set(invoice.order_id, {
        ...copyJson(invoice),
        number: invoiceNumber(++this.#invoiceCount),
      });
    }
    this.#queue.set(notification.id, Date.parse(notification.created_at));
    this.outbox.append(created);
    return Promise.resolve({ ...notification });
  }

  notification(id: string): Promise<Notification | null> {
    const notification = this.#notifications.get(id);
    return Promise.resolve(notification ? { ...notification } : null);
  }

  notifications(filter: NotificationFilter): Promise<Notification[]> {
    const found: Notification[] = [];
    for (const notification of [...this.#notifications.values()].reverse()) {
      if (found.length >= filter.limit) break;
      if (filter.customer_id && notification.customer_id !== filter.customer_id) continue;
      if (filter.order_id && notification.order_id !== filter.order_id) continue;
      found.push({ ...notification });
    }
    return Promise.resolve(found);
  }

  invoice(orderId: string): Promise<Invoice | null> {
    const invoice = this.#invoices.get(orderId);
    return Promise.resolve(invoice ? copyJson(invoice) : null);
  }

  claimDeliveries(now: number, leaseUntil: number, limit: number): Promise<Notification[]> {
    const claimed: Notification[] = [];
    for (const [id, due] of this.#queue) {
      if (claimed.length >= limit) break;
      if (due > now) continue;
      this.#queue.set(id, leaseUntil);
      claimed.push({ ...this.#notifications.get(id)! });
    }
    return Promise.resolve(claimed);
  }

  nextDeliveryAt(): Promise<number | null> {
    let next: number | null = null;
    for (const due of this.#queue.values()) if (next === null || due < next) next = due;
    return Promise.resolve(next);
  }

  settleDelivery(id: string, result: DeliveryResult): Promise<void> {
    const notification = this.#notifications.get(id);
    if (!notification || notification.status !== "pending") return Promise.resolve();
    notification.status = result.status;
    notification.attempts = result.attempts;
    notification.last_error = result.status === "sent" ? null : result.error;
    if (result.status === "pending") {
      if (this.#queue.has(id)) this.#queue.set(id, result.retry_at);
    } else {
      this.#queue.delete(id);
    }
    return Promise.resolve();
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }
}
