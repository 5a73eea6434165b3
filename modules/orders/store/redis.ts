/**
 * The Redis order store. Every key starts with `<keyPrefix>orders:`:
 *
 * - `order:<id>` hash: `v` (version), `s` (status), `doc` (the order as JSON)
 * - `customer:<customer id>`, `recent` and `status:<status>`: sorted sets of order ids by
 *   creation time (every order, a customer's, those in a status now)
 * - `deadlines`: sorted set of in-flight order ids by deadline (the sweeper's work list)
 * - `idem:<customer id>:<key>`: the order an Idempotency-Key made, expiring after a day
 * - `counts`: hash of orders per status
 * - `outbox`: the stream of events waiting for the relay
 * - `outbox:lease`: which process relays the outbox now (`LeasedOutbox`, lib/outbox.ts)
 *
 * @module
 */
import type { Redis } from "ioredis";
import type { Envelope } from "../../../bus/mod.ts";
import { RedisOutbox, StoreOutbox } from "../../../lib/redis_outbox.ts";
import { type Order, ORDER_STATUSES, type OrderStatus } from "../domain/order.ts";
import { type OrderPosition, positionOf } from "../domain/position.ts";
import { CREATE_ORDER, UPDATE_ORDER } from "./redis_scripts.ts";
import { IDEMPOTENCY_TTL_MS } from "./types.ts";
import type { CreateResult, IdempotencyClaim, OrderStore } from "./types.ts";

interface Remembered {
  order_id: string;
  fingerprint: string;
}

export class RedisOrderStore implements OrderStore {
  /** What the scripts append to (`outbox.key`) and the relay reads, one process at a time. */
  readonly outbox: StoreOutbox;
  readonly #prefix: string;
  /** Names this process's writes on the change channel, so it skips its own. */
  readonly #writer = crypto.randomUUID();

  /**
   * `keyPrefix` is the process-wide one ("" in production); "orders:" is added here.
   * An Idempotency-Key names its order for `idempotencyTtlMs` (IDEMPOTENCY_TTL_S).
   */
  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly idempotencyTtlMs = IDEMPOTENCY_TTL_MS,
  ) {
    this.#prefix = `${keyPrefix}orders:`;
    this.outbox = new StoreOutbox(redis, this.#key("outbox"));
  }

  #key(suffix: string): string {
    return this.#prefix + suffix;
  }

  #orderKey(id: string): string {
    return this.#key(`order:${id}`);
  }

  #statusKey(status: OrderStatus): string {
    return this.#key(`status:${status}`);
  }

  /** Customer ids may hold ":", so they are encoded where another part follows. */
  #customerKey(customerId: string): string {
    return this.#key(`customer:${encodeURIComponent(customerId)}`);
  }

  async create(order: Order, events: Envelope[], claim?: IdempotencyClaim): Promise<CreateResult> {
    const keys = [
      this.#orderKey(order.id),
      this.#customerKey(order.customer_id),
      this.#key("recent"),
      this.#key("deadlines"),
      this.outbox.key,
      this.#key("counts"),
      this.#statusKey(order.status),
    ];
    if (claim) {
      keys.push(
        this.#key(`idem:${encodeURIComponent(claim.customerId)}:${encodeURIComponent(claim.key)}`),
      );
    }
    const remembered: Remembered = { order_id: order.id, fingerprint: claim?.fingerprint ?? "" };
    const earlier = await CREATE_ORDER.run(this.redis, keys, [
      order.id,
      order.version,
      order.status,
      JSON.stringify(order),
      Date.parse(order.created_at),
      order.deadline ?? "",
      JSON.stringify(remembered),
      this.idempotencyTtlMs,
      ...events.map(RedisOutbox.encode),
    ]);
    if (typeof earlier !== "string") return { created: true, order: structuredClone(order) };
    const record = JSON.parse(earlier) as Remembered;
    const earlierOrder = await this.get(record.order_id);
    if (!earlierOrder) throw new Error(`Idempotency key names missing order "${record.order_id}"`);
    return { created: false, order: earlierOrder, fingerprint: record.fingerprint };
  }

  async get(id: string): Promise<Order | null> {
    const doc = await this.redis.hget(this.#orderKey(id), "doc");
    return doc === null ? null : JSON.parse(doc) as Order;
  }

  async update(next: Order, expectedVersion: number, events: Envelope[]): Promise<Order | null> {
    const stored: Order = { ...next, version: expectedVersion + 1 };
    const written = await UPDATE_ORDER.run(
      this.redis,
      [
        this.#orderKey(next.id),
        this.#key("deadlines"),
        this.outbox.key,
        this.#key("counts"),
        ...ORDER_STATUSES.map((status) => this.#statusKey(status)),
      ],
      [
        next.id,
        expectedVersion,
        stored.version,
        stored.status,
        JSON.stringify(stored),
        stored.deadline ?? "",
        Date.parse(stored.created_at),
        ...events.map(RedisOutbox.encode),
      ],
    );
    if (written !== 1) return null;
    // Waiters in other orders processes hear of it now rather than at their next re-read.
    this.redis.publish(this.#key("changed"), `${this.#writer} ${next.id}`).catch(() => {});
    return stored;
  }

  async watchOthers(changed: (orderId: string) => void): Promise<{ close(): Promise<void> }> {
    // No socket timeout: a quiet subscriber is healthy, and waiters re-read now and then anyway.
    // Resubscribing ourselves: ioredis's own resubscribe after a reconnect leaves its promise
    // unhandled, and a connection that drops again at once would crash the process with it.
    const subscriber = this.redis.duplicate({ socketTimeout: 0, autoResubscribe: false });
    const channel = this.#key("changed");
    subscriber.on("error", () => {}); // it reconnects; waiters re-read meanwhile
    subscriber.on("message", (_channel: string, message: string) => {
      const space = message.indexOf(" ");
      if (message.slice(0, space) !== this.#writer) changed(message.slice(space + 1));
    });
    // Every (re)connect subscribes again; a second SUBSCRIBE to the same channel is harmless.
    subscriber.on("ready", () => void subscriber.subscribe(channel).catch(() => {}));
    await subscriber.subscribe(channel).catch(() => {});
    return { close: () => subscriber.quit().then(() => {}, () => subscriber.disconnect()) };
  }

  async listByCustomer(
    customerId: string,
    limit: number,
    after: OrderPosition | null = null,
    status?: OrderStatus,
  ): Promise<Order[]> {
    const index = this.#customerKey(customerId);
    if (status === undefined) return await this.#load(await this.#page(index, limit, after));
    // A customer's own orders are few: their index, filtered, beats a second index per status.
    const found: Order[] = [];
    const batch = Math.max(limit, 100);
    let position = after;
    while (found.length < limit) {
      const orders = await this.#load(await this.#page(index, batch, position));
      found.push(...orders.filter((order) => order.status === status));
      if (orders.length < batch) break;
      position = positionOf(orders[orders.length - 1]!);
    }
    return found.slice(0, limit);
  }

  async listRecent(
    limit: number,
    after: OrderPosition | null = null,
    status?: OrderStatus,
  ): Promise<Order[]> {
    const index = status === undefined ? this.#key("recent") : this.#statusKey(status);
    return await this.#load(await this.#page(index, limit, after));
  }

  async overdue(now: number, limit: number): Promise<string[]> {
    return await this.redis.zrangebyscore(this.#key("deadlines"), "-inf", now, "LIMIT", 0, limit);
  }

  async countByStatus(): Promise<Record<OrderStatus, number>> {
    const stored = await this.redis.hgetall(this.#key("counts"));
    return Object.fromEntries(
      ORDER_STATUSES.map((status) => [status, Number(stored[status] ?? 0)]),
    ) as Record<OrderStatus, number>;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.outbox.release();
  }

  /**
   * Ids from a creation-time index, newest first, after `after`: the rest of
   * its millisecond (ids below its id; ZREVRANGE lists equal scores by id,
   * descending), then everything older. Both reads go in one round trip; an
   * order created between them lands in one range or the other, never both.
   */
  async #page(index: string, limit: number, after: OrderPosition | null): Promise<string[]> {
    if (after === null) return await this.redis.zrevrange(index, 0, limit - 1);
    const [same, older] = await this.#exec<[string[], string[]]>(
      this.redis.pipeline()
        .zrevrangebyscore(index, after.created, after.created)
        .zrevrangebyscore(index, `(${after.created}`, "-inf", "LIMIT", 0, limit),
    );
    // Ids are ASCII (lib/schemas.ts), so JavaScript's order is Redis's byte order.
    return [...same.filter((id) => id < after.id), ...older].slice(0, limit);
  }

  async #exec<T extends unknown[]>(pipeline: ReturnType<Redis["pipeline"]>): Promise<T> {
    const results = await pipeline.exec() ?? [];
    return results.map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as T;
  }

  async #load(ids: string[]): Promise<Order[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.#orderKey(id), "doc");
    const results = await pipeline.exec() ?? [];
    const orders: Order[] = [];
    for (const [error, doc] of results) {
      if (error) throw error;
      if (typeof doc === "string") orders.push(JSON.parse(doc) as Order);
    }
    return orders;
  }
}
