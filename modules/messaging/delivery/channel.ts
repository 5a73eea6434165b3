/**
 * Where notifications go. A channel sends one message or throws; the delivery
 * worker owns retries, so a channel never loops itself.
 *
 * @module
 */
import type { Logger } from "../../../lib/logger.ts";
import type { Contact, Notification } from "../domain/types.ts";

/** One notification on its way out, with whom it is for when messaging knows. */
export interface OutgoingMessage {
  notification: Notification;
  recipient: Contact | null;
}

export interface Channel {
  /** Recorded on each notification, so the worker can find its channel again. */
  readonly name: string;
  /** Resolves once the message is delivered; rejects otherwise. Stops early on `signal`. */
  send(message: OutgoingMessage, signal: AbortSignal): Promise<void>;
}

/** A failure that retrying cannot fix (e.g. the receiver refuses the request itself). */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentDeliveryError";
  }
}

/** The default channel: one structured log line per notification. */
export class LogChannel implements Channel {
  readonly name = "log";

  constructor(private readonly log: Logger) {}

  send({ notification, recipient }: OutgoingMessage): Promise<void> {
    this.log.info("Notification sent", {
      channel: this.name,
      notification_id: notification.id,
      customer_id: notification.customer_id,
      order_id: notification.order_id,
      kind: notification.kind,
      to: recipient?.email ?? null,
      subject: notification.subject,
    });
    return Promise.resolve();
  }
}
