/**
 * The Redis order store. Every key starts with `<keyPrefix>{orders}:` (one hash tag, so one
 * Redis Cluster slot: an update touches the order, the deadlines, the moves and two indexes
 * at once):
 *
 * - `order:<id>` string: `<version> <status> <doc>` (redis_codec.ts)
 * - `customer:<customer id>`: sorted set of a customer's order ids by creation time
 * - `inflight` and `status:<terminal status>`: sorted sets of order ids by creation time,
 *   every order in exactly one (those not yet terminal, and those in each terminal status);
 *   the listing of every order merges them
 * - `deadlines`: sorted set of in-flight order ids by deadline (the sweeper's work list)
 * - `idem:<customer id>:<key>`: the order an Idempotency-Key made, expiring after
 *   IDEMPOTENCY_TTL_S (a day by default)
 * - `moves`: hash of counters, one per status an order was stored in (`+<status>`) and per
 *   move between two (`<from>><to>`): the counts by status, kept at one increment a write
 * - `outbox`: the stream of events waiting for the relay, and `outbox:lease`: which process
 *   relays it now (both unused while events go straight to a Redis bus on this server:
 *   lib/redis_outbox.ts)
 * - `fence`: written after every script a replica must confirm (REDIS_WAIT_REPLICAS only,
 *   expiring within a second: lib/redis_replicated.ts)
 *
 * Every update announces the order's id on the channel `changed`, from its script, while
 * another orders process listens (asked again each second after nobody did). On a Redis
 * Cluster a PUBLISH reaches every node, but its reply counts only the subscribers of the
 * node it ran on, so there updates always announce.
 *
 * @module
 */
import type { Envelope } from "../../../bus/mod.ts";
import { copyJson } from "../../../lib/json_copy.ts";
import { moduleKeyPrefix } from "../../../lib/module.ts";
import { isCluster, type RedisClient, replicaWaitOf } from "../../../lib/redis_client.ts";
import { type BusStreams, RedisOutbox, StoreOutbox } from "../../../lib/redis_outbox.ts";
import { isTerminal, type Order, ORDER_STATUSES, type OrderStatus } from "../domain/order.ts";
import type { OrderPosition } from "../domain/position.ts";
import { execPipeline } from "../../../lib/redis_pipeline.ts";
import { decodeOrder, encodeOrder } from "./redis_codec.ts";
import {
  CREATE_ORDER,
  INDEXES,
  type IndexName,
  indexOf,
  READ_CONFIRMED,
  UPDATE_ORDER,
} from "./redis_scripts.ts";
import { IDEMPOTENCY_TTL_MS } from "./types.ts";
import type { CreateResult, IdempotencyClaim, OrderStore } from "./types.ts";

interface Remembered {
  order_id: string;
  fingerprint: string;
}

/**
 * How long updates announce nothing after one found no other orders process listening:
 * as long as a waiter's fallback re-read (DEFAULT_POLL_MS), which catches what it misses.
 */
const QUIET_MS = 1_000;

/** An index entry: the order's id and its creation time (the score). */
type Scored = [id: string, created: number];

export class RedisOrderStore implements OrderStore {
  /** Where the scripts' events go (lib/redis_outbox.ts). */
  readonly outbox: StoreOutbox;
  readonly #prefix: string;
  /** Names this process's writes on the change channel, so it skips its own. */
  readonly #writer = crypto.randomUUID();
  /** Whether this store's own subscriber is on the change channel (it hears every announcement). */
  #listening = false;
  /** Until when (performance.now()) updates announce nothing: nobody else was listening. */
  #quietUntil = -Infinity;
  /** Whether a PUBLISH's reply counts every listener (one server), not one node's (a cluster). */
  readonly #publishCountsAll: boolean;

  /**
   * `keyPrefix` is the process-wide one ("" in production); "{orders}:" is added here.
   * An Idempotency-Key names its order for `idempotencyTtlMs` (IDEMPOTENCY_TTL_S). Events go
   * straight into `busStreams` when given (a Redis bus on this server), else into the outbox.
   */
  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    private readonly idempotencyTtlMs = IDEMPOTENCY_TTL_MS,
    busStreams: BusStreams | null = null,
  ) {
    this.#prefix = moduleKeyPrefix(keyPrefix, "orders");
    this.outbox = new StoreOutbox(redis, this.#key("outbox"), busStreams);
    this.#publishCountsAll = !isCluster(redis);
  }

  #key(suffix: string): string {
    return this.#prefix + suffix;
  }

  #orderKey(id: string): string {
    return this.#key(`order:${id}`);
  }

  #indexKey(index: IndexName): string {
    return this.#key(index === "inflight" ? "inflight" : `status:${index}`);
  }

  /** Customer ids may hold ":", so they are encoded where another part follows. */
  #customerKey(customerId: string): string {
    return this.#key(`customer:${encodeURIComponent(customerId)}`);
  }

  async create(order: Order, events: Envelope[], claim?: IdempotencyClaim): Promise<CreateResult> {
    const route = this.outbox.route();
    const keys = [
      this.#orderKey(order.id),
      this.#customerKey(order.customer_id),
      this.#indexKey(indexOf(order.status)),
      this.#key("deadlines"),
      this.#key("moves"),
    ];
    if (claim) {
      keys.push(
        this.#key(`idem:${encodeURIComponent(claim.customerId)}:${encodeURIComponent(claim.key)}`),
      );
    }
    for (const event of events) keys.push(route.keyOf(event.type));
    const remembered: Remembered = { order_id: order.id, fingerprint: claim?.fingerprint ?? "" };
    const earlier = await CREATE_ORDER.run(this.redis, keys, [
      order.id,
      encodeOrder(order),
      Date.parse(order.created_at),
      order.deadline ?? "",
      order.status,
      JSON.stringify(remembered),
      this.idempotencyTtlMs,
      claim ? "1" : "0",
      ...events.map(RedisOutbox.encode),
    ]);
    route.written();
    if (typeof earlier !== "string") return { created: true, order: copyJson(order) };
    const record = JSON.parse(earlier) as Remembered;
    // Answered as a replay only once a replica has that order: a create refused for want of
    // one (ReplicasBehindError) is on the master all the same, and its retry must not be
    // told it succeeded before a failover drops it.
    const earlierOrder = replicaWaitOf(this.redis) === null
      ? await this.get(record.order_id)
      : await this.#readConfirmed(record.order_id);
    if (!earlierOrder) throw new Error(`Idempotency key names missing order "${record.order_id}"`);
    return { created: false, order: earlierOrder, fingerprint: record.fingerprint };
  }

  async get(id: string): Promise<Order | null> {
    const stored = await this.redis.get(this.#orderKey(id));
    return stored === null ? null : decodeOrder(id, stored);
  }

  /** With REDIS_WAIT_REPLICAS, read again and confirmed by a replica; else `read` as it is. */
  async confirm(id: string, read: Order | null): Promise<Order | null> {
    return replicaWaitOf(this.redis) === null ? read : await this.#readConfirmed(id);
  }

  /** The order, read by a script: fenced and WAITed for (READ_CONFIRMED). */
  async #readConfirmed(id: string): Promise<Order | null> {
    const stored = await READ_CONFIRMED.run(this.redis, [this.#orderKey(id)], []) as
      | string
      | null;
    return stored === null ? null : decodeOrder(id, stored);
  }

  async update(next: Order, expectedVersion: number, events: Envelope[]): Promise<Order | null> {
    const stored: Order = { ...next, version: expectedVersion + 1 };
    const route = this.outbox.route();
    const announce = performance.now() >= this.#quietUntil;
    const written = await UPDATE_ORDER.run(
      this.redis,
      [
        this.#orderKey(next.id),
        this.#key("deadlines"),
        this.#key("moves"),
        ...INDEXES.map((index) => this.#indexKey(index)),
        ...events.map((event) => route.keyOf(event.type)),
      ],
      [
        next.id,
        expectedVersion,
        encodeOrder(stored),
        stored.status,
        stored.deadline ?? "",
        Date.parse(stored.created_at),
        // Waiters in other orders processes hear of it now rather than at their next re-read.
        announce ? this.#key("changed") : "",
        `${this.#writer} ${next.id}`,
        ...events.map(RedisOutbox.encode),
      ],
    );
    route.written();
    if (written === 0) return null;
    const othersHeard = Number(written) - 1 - (this.#listening ? 1 : 0);
    if (announce && this.#publishCountsAll && othersHeard <= 0) {
      // No other orders process listens: announce nothing for a while, then ask again. One
      // that starts listening meanwhile re-reads within its fallback interval anyway.
      this.#quietUntil = performance.now() + QUIET_MS;
    }
    return stored;
  }

  async watchOthers(changed: (orderId: string) => void): Promise<{ close(): Promise<void> }> {
    const subscriber = subscriberOf(this.redis);
    const channel = this.#key("changed");
    subscriber.on("error", () => {}); // it reconnects; waiters re-read meanwhile
    subscriber.on("message", (_channel: string, message: string) => {
      const space = message.indexOf(" ");
      if (message.slice(0, space) !== this.#writer) changed(message.slice(space + 1));
    });
    // Every (re)connect subscribes again; a second SUBSCRIBE to the same channel is harmless.
    // (The first one may fail while the new connection comes up; the one on ready then holds.)
    const subscribe = () =>
      subscriber.subscribe(channel).then(() => this.#listening = true, () => {});
    subscriber.on("ready", () => void subscribe());
    subscriber.on("close", () => this.#listening = false);
    await subscribe();
    return {
      close: () => {
        this.#listening = false;
        return subscriber.quit().then(() => {}, () => subscriber.disconnect());
      },
    };
  }

  async listByCustomer(
    customerId: string,
    limit: number,
    after: OrderPosition | null = null,
    status?: OrderStatus,
  ): Promise<Order[]> {
    // A customer's own orders are few: their index, filtered, beats a second index per status.
    return await this.#listed(this.#customerKey(customerId), limit, after, status);
  }

  async listRecent(
    limit: number,
    after: OrderPosition | null = null,
    status?: OrderStatus,
  ): Promise<Order[]> {
    if (status !== undefined) {
      const index = this.#indexKey(indexOf(status));
      // The in-flight index holds three statuses, and few orders: filtered as it is read.
      return await this.#listed(index, limit, after, isTerminal(status) ? undefined : status);
    }
    // Every order is in exactly one index: the newest `limit` of each, merged, are the
    // newest `limit` of all (one that moved between indexes meanwhile is listed once).
    const pages = await Promise.all(
      INDEXES.map((index) => this.#page(this.#indexKey(index), limit, after)),
    );
    const seen = new Set<string>();
    const merged = pages.flat().sort(([a, x], [b, y]) => y - x || (a < b ? 1 : a > b ? -1 : 0))
      .filter(([id]) => !seen.has(id) && seen.add(id))
      .slice(0, limit);
    return await this.#load(merged.map(([id]) => id));
  }

  async overdue(now: number, limit: number): Promise<string[]> {
    return await this.redis.zrangebyscore(this.#key("deadlines"), "-inf", now, "LIMIT", 0, limit);
  }

  async countByStatus(): Promise<Record<OrderStatus, number>> {
    const counts = Object.fromEntries(ORDER_STATUSES.map((status) => [status, 0])) as Record<
      OrderStatus,
      number
    >;
    for (const [move, times] of Object.entries(await this.redis.hgetall(this.#key("moves")))) {
      const [from, to] = move.startsWith("+") ? [null, move.slice(1)] : move.split(">");
      if (from) counts[from as OrderStatus] -= Number(times);
      counts[to as OrderStatus] += Number(times);
    }
    return counts;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.outbox.release();
  }

  /** From `index`, newest first after `after`, the first `limit` orders (of `status`, if given). */
  async #listed(
    index: string,
    limit: number,
    after: OrderPosition | null,
    status: OrderStatus | undefined,
  ): Promise<Order[]> {
    if (status === undefined) {
      return await this.#load((await this.#page(index, limit, after)).map(([id]) => id));
    }
    const found: Order[] = [];
    const batch = Math.max(limit, 100);
    let position = after;
    while (found.length < limit) {
      const page = await this.#page(index, batch, position);
      const orders = await this.#load(page.map(([id]) => id));
      found.push(...orders.filter((order) => order.status === status));
      if (page.length < batch) break;
      const [id, created] = page[page.length - 1]!;
      position = { id, created };
    }
    return found.slice(0, limit);
  }

  /**
   * Entries of a creation-time index, newest first, after `after`: the rest of
   * its millisecond (ids below its id; ZREVRANGE lists equal scores by id,
   * descending), then everything older. Both reads go in one round trip; an
   * order created between them lands in one range or the other, never both.
   */
  async #page(index: string, limit: number, after: OrderPosition | null): Promise<Scored[]> {
    if (after === null) {
      return scored(await this.redis.zrevrange(index, 0, limit - 1, "WITHSCORES"));
    }
    const [same, older] = await execPipeline<[string[], string[]]>(
      this.redis.pipeline()
        .zrevrangebyscore(index, after.created, after.created, "WITHSCORES")
        .zrevrangebyscore(index, `(${after.created}`, "-inf", "WITHSCORES", "LIMIT", 0, limit),
    );
    // Ids are ASCII (lib/schemas.ts), so JavaScript's order is Redis's byte order.
    return [...scored(same).filter(([id]) => id < after.id), ...scored(older)].slice(0, limit);
  }

  async #load(ids: string[]): Promise<Order[]> {
    if (ids.length === 0) return [];
    const stored = await this.redis.mget(ids.map((id) => this.#orderKey(id)));
    return ids.flatMap((id, i) => {
      const value = stored[i];
      return typeof value === "string" ? [decodeOrder(id, value)] : [];
    });
  }
}

/**
 * A connection of its own to listen on (a subscribed connection takes no other commands).
 *
 * One server: no socket timeout (a quiet subscriber is healthy, and waiters re-read now and
 * then anyway), and watchOthers resubscribes itself: ioredis's own resubscribe after a
 * reconnect leaves its promise unhandled, and a connection that drops again at once would
 * crash the process with it.
 *
 * A cluster client subscribes through a connection to one node, which ioredis chooses,
 * replaces when it drops (never reconnecting it) and resubscribes with its promise handled;
 * a PUBLISH on any node reaches it.
 */
function subscriberOf(redis: RedisClient): RedisClient {
  if (isCluster(redis)) return redis.duplicate();
  return redis.duplicate({ socketTimeout: 0, autoResubscribe: false });
}

/** A WITHSCORES reply as [id, score] pairs. */
function scored(reply: string[]): Scored[] {
  const entries: Scored[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) entries.push([reply[i]!, Number(reply[i + 1])]);
  return entries;
}
