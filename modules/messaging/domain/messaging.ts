/**
 * The messaging use cases: remember who customers are, turn each order
 * outcome into exactly one notification (and an invoice for a confirmed
 * order), and answer queries. Knows nothing of HTTP or of delivery.
 *
 * @module
 */
import type { Envelope, EventData } from "../../../bus/types.ts";
import { notFound } from "../../../lib/errors.ts";
import { outboxEvent } from "../../../lib/outbox.ts";
import type { customerRegistered } from "../../accounts/events.ts";
import type { orderConfirmed } from "../../orders/events.ts";
import { notificationCreated } from "../events.ts";
import type {
  Contact,
  Invoice,
  MessagingStore,
  NewInvoice,
  Notification,
  NotificationFilter,
} from "../store/types.ts";
import { composeMessage, type OutcomeFacts } from "./text.ts";

/** Names the publisher in every envelope messaging writes. */
export const SOURCE = "messaging";

export class Messaging {
  /**
   * `channel` names where new notifications go; `changed` is called after each
   * new notification (it wakes the outbox relay and the delivery worker).
   */
  constructor(
    readonly store: MessagingStore,
    private readonly channel: string,
    private readonly changed: () => void = () => {},
  ) {}

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
    const now = new Date().toISOString();
    const notification: Notification = {
      id: `ntf_${crypto.randomUUID().replaceAll("-", "")}`,
      customer_id: customerId,
      order_id: facts.order_id,
      kind: facts.kind,
      ...composeMessage(facts, contact),
      channel: this.channel,
      status: "pending",
      created_at: now,
      attempts: 0,
      last_error: null,
    };
    const created = outboxEvent(SOURCE, notificationCreated, {
      notification_id: notification.id,
      customer_id: customerId,
      order_id: facts.order_id,
      kind: facts.kind,
      channel: this.channel,
    }, cause);
    const invoice = confirmed ? invoiceOf(confirmed, contact, now) : null;
    const recorded = await this.store.recordNotification(notification, invoice, created);
    if (recorded) this.changed();
    return recorded;
  }

  async notifications(filter: NotificationFilter): Promise<Notification[]> {
    return await this.store.notifications(filter);
  }

  async invoice(orderId: string): Promise<Invoice> {
    const invoice = await this.store.invoice(orderId);
    if (!invoice) throw notFound("Invoice of order", orderId);
    if (invoice.customer_name === null) {
      // The registration may have arrived after the order: name the customer now if we can.
      const contact = await this.store.contact(invoice.customer_id);
      if (contact) {
        return { ...invoice, customer_name: contact.name, customer_email: contact.email };
      }
    }
    return invoice;
  }
}

/** The invoice of a confirmed order: its lines at the prices fixed at reservation. */
export function invoiceOf(
  order: EventData<typeof orderConfirmed>,
  contact: Contact | null,
  issuedAt: string,
): NewInvoice {
  return {
    order_id: order.order_id,
    customer_id: order.customer_id,
    items: order.items.map((item) => ({
      product_id: item.product_id,
      quantity: item.quantity,
      unit_price: item.unit_price,
      amount: item.quantity * item.unit_price,
    })),
    subtotal: order.subtotal,
    fee: order.fee,
    total: order.total,
    issued_at: issuedAt,
    customer_name: contact?.name ?? null,
    customer_email: contact?.email ?? null,
  };
}
