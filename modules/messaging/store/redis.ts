/**
 * Messaging on Redis, every key under `<keyPrefix>{messaging}:` (one hash tag: one Redis
 * Cluster slot, as a notification's script takes the shared indexes with it):
 *
 * - `contact:<customer id>` hash {customer_id, name, email}
 * - `product:<product id>` hash {name, revision}
 * - `order:<order id>` hash {kind → notification id}: the exactly-once guard (one
 *   notification per order and kind, kept for good: a dead letter may be replayed at any
 *   time) and the order's notifications
 * - `notification:<id>` string `<status> <attempts> <doc>\n<last error>` (redis_codec.ts)
 * - `notifications`, `notifications:customer:<id>`: sorted sets of notification ids by
 *   creation time
 * - `invoice:<order id>` string `<number> <doc>`; `invoice_seq` counter
 * - `deliveries` sorted set: notification id by when its next attempt may start
 * - `outbox` stream read by the OutboxRelay, and `outbox:lease`: which process relays it now
 *   (both unused while events go straight to a Redis bus on this server: lib/redis_outbox.ts)
 * - `fence`: written after each script while REDIS_WAIT_REPLICAS is set, so the WAIT covers
 *   what a script read, too (expires within a second: lib/redis_replicated.ts)
 *
 * @module
 */
import type { Envelope } from "../../../bus/mod.ts";
import { moduleKeyPrefix } from "../../../lib/module.ts";
import type { RedisClient } from "../../../lib/redis_client.ts";
import { writeReplicated } from "../../../lib/redis_replicated.ts";
import { type BusStreams, RedisOutbox, StoreOutbox } from "../../../lib/redis_outbox.ts";
import {
  claimDeliveriesScript,
  recordNotificationScript,
  saveProductNameScript,
  settleDeliveryScript,
} from "./redis_scripts.ts";
import type { MessagingStore } from "./types.ts";
import type { Contact, DeliveryResult, Invoice } from "../domain/types.ts";
import type { NewInvoice, Notification, NotificationFilter, ProductName } from "../domain/types.ts";
import {
  decodeInvoice,
  decodeNotification,
  encodeInvoice,
  encodeNotification,
} from "./redis_codec.ts";

/** As the sorted indexes list them: newest first, equal times by id, descending. */
function newestFirst(a: Notification, b: Notification): number {
  const [x, y] = [Date.parse(a.created_at), Date.parse(b.created_at)];
  return y - x || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export class RedisMessagingStore implements MessagingStore {
  /** What the scripts append to (`outbox.key`) and the relay reads, one process at a time. */
  readonly outbox: StoreOutbox;

  readonly #prefix: string;

  /**
   * Every key under `<keyPrefix>{messaging}:`; events go straight into `busStreams` when given
   * (a Redis bus on this server), else into the outbox.
   */
  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    busStreams: BusStreams | null = null,
  ) {
    const prefix = this.#prefix = moduleKeyPrefix(keyPrefix, "messaging");
    this.outbox = new StoreOutbox(redis, `${prefix}outbox`, busStreams);
  }

  async saveContact(contact: Contact): Promise<void> {
    await writeReplicated(
      this.redis,
      (pipeline) =>
        pipeline.hset(this.#key("contact", contact.customer_id), {
          customer_id: contact.customer_id,
          name: contact.name,
          email: contact.email,
        }),
    );
  }

  async contact(customerId: string): Promise<Contact | null> {
    const hash = await this.redis.hgetall(this.#key("contact", customerId));
    if (!hash.customer_id) return null;
    return { customer_id: hash.customer_id, name: hash.name ?? "", email: hash.email ?? "" };
  }

  async saveProductName(entry: ProductName): Promise<boolean> {
    const kept = await saveProductNameScript.run(
      this.redis,
      [this.#key("product", entry.product_id)],
      [entry.name, entry.revision],
    );
    return kept === 1;
  }

  async productNames(productIds: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (productIds.length === 0) return names;
    const pipeline = this.redis.pipeline();
    for (const id of productIds) pipeline.hget(this.#key("product", id), "name");
    const replies = (await pipeline.exec()) ?? [];
    productIds.forEach((id, i) => {
      const [error, name] = replies[i] ?? [null, null];
      if (error) throw error;
      if (typeof name === "string") names.set(id, name);
    });
    return names;
  }

  async recordNotification(
    notification: Notification,
    invoice: NewInvoice | null,
    created: Envelope,
  ): Promise<Notification | null> {
    const fresh: Notification = { ...notification, attempts: 0, last_error: null };
    const route = this.outbox.route();
    const recorded = await recordNotificationScript.run(this.redis, [
      this.#key("order", notification.order_id),
      this.#key("notification", notification.id),
      `${this.#prefix}notifications`,
      this.#key("notifications:customer", notification.customer_id),
      `${this.#prefix}deliveries`,
      this.#key("invoice", notification.order_id),
      `${this.#prefix}invoice_seq`,
      route.keyOf(created.type),
    ], [
      notification.id,
      notification.kind,
      encodeNotification(fresh),
      Date.parse(notification.created_at),
      invoice ? encodeInvoice(invoice) : "",
      RedisOutbox.encode(created),
    ]);
    route.written();
    return recorded === 1 ? fresh : null;
  }

  async notification(id: string): Promise<Notification | null> {
    const [found] = await this.#load([id]);
    return found ?? null;
  }

  async notifications(filter: NotificationFilter): Promise<Notification[]> {
    if (filter.order_id) {
      // An order has a handful of notifications (one per kind): read them all, then filter.
      const ids = await this.redis.hvals(this.#key("order", filter.order_id));
      const all = (await this.#load(ids)).sort(newestFirst);
      return all.filter((n) => !filter.customer_id || n.customer_id === filter.customer_id)
        .slice(0, filter.limit);
    }
    const index = filter.customer_id
      ? this.#key("notifications:customer", filter.customer_id)
      : `${this.#prefix}notifications`;
    return await this.#load(await this.redis.zrevrange(index, 0, filter.limit - 1));
  }

  async invoice(orderId: string): Promise<Invoice | null> {
    const stored = await this.redis.get(this.#key("invoice", orderId));
    return stored === null ? null : decodeInvoice(orderId, stored);
  }

  async claimDeliveries(now: number, leaseUntil: number, limit: number): Promise<Notification[]> {
    const ids = await claimDeliveriesScript.run(
      this.redis,
      [`${this.#prefix}deliveries`],
      [now, leaseUntil, limit],
    ) as string[];
    return await this.#load(ids);
  }

  async nextDeliveryAt(): Promise<number | null> {
    const [, score] = await this.redis.zrange(`${this.#prefix}deliveries`, 0, 0, "WITHSCORES");
    return score === undefined ? null : Number(score);
  }

  async settleDelivery(id: string, result: DeliveryResult): Promise<void> {
    await settleDeliveryScript.run(
      this.redis,
      [`${this.#prefix}deliveries`, this.#key("notification", id)],
      [
        id,
        result.status,
        result.attempts,
        result.status === "sent" ? "" : result.error ?? "",
        result.status === "pending" ? result.retry_at : 0,
      ],
    );
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** The notifications of `ids`, in that order, skipping any that vanished. */
  async #load(ids: string[]): Promise<Notification[]> {
    if (ids.length === 0) return [];
    const stored = await this.redis.mget(ids.map((id) => this.#key("notification", id)));
    return ids.flatMap((id, i) => {
      const value = stored[i];
      return typeof value === "string" ? [decodeNotification(id, value)] : [];
    });
  }

  #key(kind: string, id: string): string {
    return `${this.#prefix}${kind}:${id}`;
  }
}
