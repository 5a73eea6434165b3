/**
 * The signed webhook channel: one HTTP POST of JSON per notification.
 *
 * Headers:
 * - `X-Bazaar-Event: notification.<kind>`
 * - `X-Bazaar-Delivery: <notification id>`: the same on every retry, so a
 *   receiver can drop repeats (delivery is at least once).
 * - `X-Bazaar-Timestamp: <unix seconds>`
 * - `X-Bazaar-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" under WEBHOOK_SECRET>`
 *
 * Signing the timestamp with the body lets a receiver refuse old replays:
 * recompute the HMAC over `${timestamp}.${body}`, compare in constant time,
 * and reject timestamps more than a few minutes off.
 *
 * @module
 */
import { hmacHex } from "../../../lib/auth.ts";
import { type Channel, type OutgoingMessage, PermanentDeliveryError } from "./channel.ts";

export const SIGNATURE_HEADER = "X-Bazaar-Signature";
export const TIMESTAMP_HEADER = "X-Bazaar-Timestamp";

export interface WebhookOptions {
  /** One attempt's limit (ms); a slow receiver counts as a failed attempt. */
  timeoutMs?: number;
}

/** The material a signature covers. */
export function signedMaterial(timestamp: string, body: string): string {
  return `${timestamp}.${body}`;
}

export class WebhookChannel implements Channel {
  readonly name = "webhook";
  readonly #timeoutMs: number;

  constructor(
    private readonly url: string,
    private readonly secret: string,
    options: WebhookOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async send({ notification, recipient }: OutgoingMessage, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify({
      type: `notification.${notification.kind}`,
      notification: {
        id: notification.id,
        customer_id: notification.customer_id,
        order_id: notification.order_id,
        kind: notification.kind,
        subject: notification.subject,
        body: notification.body,
        created_at: notification.created_at,
      },
      recipient: recipient ? { name: recipient.name, email: recipient.email } : null,
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = await hmacHex(this.secret, signedMaterial(timestamp, body));
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new Error(`Webhook did not answer within ${this.#timeoutMs} ms`)),
      this.#timeoutMs,
    );
    try {
      const response = await fetch(this.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "bazaar-messaging",
          "x-bazaar-event": `notification.${notification.kind}`,
          "x-bazaar-delivery": notification.id,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: `sha256=${signature}`,
        },
        body,
        signal: AbortSignal.any([signal, timeout.signal]),
      });
      // Read nothing, but release the connection.
      await response.body?.cancel();
      if (response.ok) return;
      const failure = `Webhook answered HTTP ${response.status}`;
      // The receiver refuses this request as such: sending it again cannot help.
      const permanent = response.status >= 400 && response.status < 500 &&
        response.status !== 408 && response.status !== 429;
      throw permanent ? new PermanentDeliveryError(failure) : new Error(failure);
    } finally {
      clearTimeout(timer);
    }
  }
}
