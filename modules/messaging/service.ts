/**
 * The messaging use cases: remember who customers are and what products are
 * called, turn each order outcome into exactly one notification (and an
 * invoice for a confirmed order), and answer queries. Knows nothing of HTTP
 * or of delivery.
 *
 * @module
 */
import type { Envelope, EventData } from "../../bus/mod.ts";
import { notFound } from "../../lib/errors.ts";
import { outboxEvent } from "../../lib/outbox.ts";
import type { customerRegistered } from "../accounts/events.ts";
import type { productSaved } from "../inventory/events.ts";
import type { orderConfirmed } from "../orders/events.ts";
import { MESSAGING_SOURCE, notificationCreated } from "./events.ts";
import { invoiceOf } from "./domain/invoice.ts";
import type { MessagingStore } from "./store/types.ts";
import type { Invoice, Notification, NotificationFilter } from "./domain/types.ts";
import { composeMessage, type OutcomeFacts } from "./domain/text.ts";

export class MessagingService {
  /**
   * `channel` names where new notifications go; `changed` is called after each
   * new notification (it wakes the outbox relay and the delivery worker);
   * `currency` (ISO 4217, CURRENCY) is what texts and invoices show amounts in.
   */
  constructor(
    readonly store: MessagingStore,
    private readonly channel: string,
    private readonly changed: () => void = () => {},
    readonly currency = "USD",
  ) {}

  /** Keeps the newest name of a product; an older rename arriving late changes nothing. */
  async rememberProduct(data: EventData<typeof productSaved>): Promise<void> {
    await this.store.saveProductName({
      product_id: data.product_id,
      name: data.name,
      revision: data.revision,
    });
  }

  async rememberCustomer(data: EventData<typeof customerRegistered>): Promise<void> {
    await this.store.saveContact({
      customer_id: data.customer_id,
      name: data.name,
      email: data.email,
    });
  }

  /**
   * Records the notification of an order outcome, once per (order, kind):
   * a redelivered or duplicated event changes nothing and returns null.
   */
  async notify(
    facts: OutcomeFacts,
    customerId: string,
    cause: Envelope,
    confirmed?: EventData<typeof orderConfirmed>,
  ): Promise<Notification | null> {
    const contact = await this.store.contact(customerId);
    const names = facts.kind === "confirmed"
      ? await this.store.productNames(facts.items.map((item) => item.product_id))
      : new Map<string, string>();
    const now = new Date().toISOString();
    const notification: Notification = {
      id: `ntf_${crypto.randomUUID().replaceAll("-", "")}`,
      customer_id: customerId,
      order_id: facts.order_id,
      kind: facts.kind,
      ...composeMessage(facts, contact, names, this.currency),
      channel: this.channel,
      status: "pending",
      created_at: now,
      attempts: 0,
      last_error: null,
    };
    const created = outboxEvent(MESSAGING_SOURCE, notificationCreated, {
      notification_id: notification.id,
      customer_id: customerId,
      order_id: facts.order_id,
      kind: facts.kind,
      channel: this.channel,
    }, cause);
    const invoice = confirmed ? invoiceOf(confirmed, contact, names, now) : null;
    const recorded = await this.store.recordNotification(notification, invoice, created);
    if (recorded) this.changed();
    return recorded;
  }

  async notifications(filter: NotificationFilter): Promise<Notification[]> {
    return await this.store.notifications(filter);
  }

  async invoice(orderId: string): Promise<Invoice> {
    let invoice = await this.store.invoice(orderId);
    if (!invoice) throw notFound("Invoice of order", orderId);
    // The registration or a product's name may have arrived after the order:
    // fill in now what was unknown when the invoice was issued.
    if (invoice.customer_name === null) {
      const contact = await this.store.contact(invoice.customer_id);
      if (contact) {
        invoice = { ...invoice, customer_name: contact.name, customer_email: contact.email };
      }
    }
    // `?? null`: invoices issued before products had names carry none.
    const unnamed = invoice.items.filter((item) => (item.name ?? null) === null);
    if (unnamed.length === 0) return invoice;
    const names = await this.store.productNames(unnamed.map((item) => item.product_id));
    return {
      ...invoice,
      items: invoice.items.map((item) => ({
        ...item,
        name: item.name ?? names.get(item.product_id) ?? null,
      })),
    };
  }
}
