/**
 * A recorded notification and the event that announces it, for the messaging
 * tests that need one in a store.
 *
 * @module
 */
import { type Envelope } from "../../../bus/mod.ts";
import { outboxEvent } from "../../../lib/outbox.ts";
import type { Notification } from "../../../modules/messaging/domain/types.ts";
import { notificationCreated } from "../../../modules/messaging/events.ts";

/** A pending notification of order `ord-1` for `cus-1`; `fields` override any part. */
export function aNotification(fields: Partial<Notification> = {}): Notification {
  return {
    id: "ntf-1",
    customer_id: "cus-1",
    order_id: "ord-1",
    kind: "confirmed",
    subject: "s",
    body: "b",
    channel: "log",
    status: "pending",
    created_at: new Date().toISOString(),
    attempts: 0,
    last_error: null,
    ...fields,
  };
}

/** The `messaging.notification_created` event recorded with `notification`. */
export function createdEventOf(notification: Notification): Envelope {
  return outboxEvent("messaging", notificationCreated, {
    notification_id: notification.id,
    customer_id: notification.customer_id,
    order_id: notification.order_id,
    kind: notification.kind,
    channel: notification.channel,
  });
}
