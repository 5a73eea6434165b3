/**
 * The orders module's use cases: place, read, cancel, and apply whatever the
 * other modules answer. Each one reads the order, asks the saga's pure
 * `decide` what follows, and writes the result with its events as one
 * compare-and-set — retried on a lost race, so two processes handling the same
 * event cannot both apply it.
 *
 * @module
 */
import { trace } from "@opentelemetry/api";
import { createEnvelope, type Envelope, traceparentOf } from "../../bus/mod.ts";
import { conflict, notFound } from "../../lib/errors.ts";
import type { Logger } from "../../lib/logger.ts";
import { outboxEvent } from "../../lib/outbox.ts";
import type { Settings } from "../../lib/settings.ts";
import { OrderChanges, OrderWatch } from "./changes.ts";
import { orderPlaced, ORDERS_SOURCE } from "./events.ts";
import type { Emission, SagaClock, SagaInput } from "./domain/decision.ts";
import { isTerminal, type Order, type OrderStatus } from "./domain/order.ts";
import { newOrderId } from "./domain/ids.ts";
import { newOrder } from "./domain/place.ts";
import { decide } from "./domain/transitions.ts";
import { type OrderPosition, positionOf } from "./domain/position.ts";
import type { OrderStore } from "./store/types.ts";

/** Lost compare-and-set races in a row before giving up (the bus retries a handler later). */
const MAX_RACES = 20;
/** Orders whose last stored version is remembered at most (oldest forgotten first). */
const REMEMBERED_MAX = 10_000;

export interface PlaceOrder {
  customer_id: string;
  items: { product_id: string; quantity: number }[];
}

export type ApplyResult =
  | { kind: "applied"; order: Order }
  | { kind: "ignore"; why: string }
  | { kind: "refuse"; why: string }
  | { kind: "unknown" };

/** One page of a listing; `next` is where the following page starts, null on the last one. */
export interface OrderPage {
  orders: Order[];
  next: OrderPosition | null;
}

export interface ServiceOptions {
  /** Called after every write that put events in the outbox (wakes the relay). */
  onEmit?: () => void;
  /** Called with every order this process updates, as stored (admission counts terminal ones). */
  onUpdated?: (order: Order) => void;
  now?: () => number;
  /**
   * How often a waiting request reads the order again, for changes another
   * process made; this process's own changes wake it at once. Default 1 s.
   */
  pollMs?: number;
}

/** How often a waiter re-reads the order by default. */
export const DEFAULT_POLL_MS = 1_000;

export class OrderService {
  readonly #onEmit: () => void;
  readonly #onUpdated: (order: Order) => void;
  readonly #now: () => number;
  readonly #pollMs: number;
  /** Every order this process stores, announced to whoever waits on it here. */
  readonly changes = new OrderChanges();
  /** The version this process last stored of each order in flight (terminal ones leave). */
  readonly #lastStored = new Map<string, Order>();

  constructor(
    private readonly store: OrderStore,
    private readonly settings: Settings,
    readonly log: Logger,
    options: ServiceOptions = {},
  ) {
    this.#onEmit = options.onEmit ?? (() => {});
    this.#onUpdated = options.onUpdated ?? (() => {});
    this.#now = options.now ?? Date.now;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  #clock(): SagaClock {
    return {
      now: this.#now(),
      feeBps: this.settings.feeBps,
      stepTimeoutMs: this.settings.sagaStepTimeoutMs,
    };
  }

  /**
   * Stores a pending order with its order.placed event. With an Idempotency-Key
   * the same request gets the order the key made before (`replayed`), and
   * another request under that key is a conflict.
   */
  async place(
    request: PlaceOrder,
    idempotencyKey?: string,
  ): Promise<{ order: Order; replayed: boolean }> {
    const id = newOrderId();
    const placed = outboxEvent(ORDERS_SOURCE, orderPlaced, { order_id: id, ...request });
    const order = newOrder({
      id,
      ...request,
      correlation_id: placed.correlation_id,
      traceparent: placed.traceparent,
    }, this.#clock());
    const claim = idempotencyKey === undefined ? undefined : {
      customerId: request.customer_id,
      key: idempotencyKey,
      fingerprint: await fingerprintOf(request),
    };
    const result = await this.store.create(order, [placed], claim);
    if (result.created) {
      this.#onEmit();
      this.#remember(result.order);
      this.changes.stored(result.order);
      return { order: result.order, replayed: false };
    }
    if (result.fingerprint !== claim?.fingerprint) {
      throw conflict(
        `Idempotency-Key "${idempotencyKey}" was already used with a different request`,
        { order_id: result.order.id },
      );
    }
    return { order: result.order, replayed: true };
  }

  get(id: string): Promise<Order | null> {
    return this.store.get(id);
  }

  /** A customer's orders (of one status), newest first, `limit` at a time from `after` on. */
  async listForCustomer(
    customerId: string,
    limit: number,
    after: OrderPosition | null = null,
    status?: OrderStatus,
  ): Promise<OrderPage> {
    return pageOf(await this.store.listByCustomer(customerId, limit + 1, after, status), limit);
  }

  /** Every customer's orders (of one status), newest first, `limit` at a time from `after` on. */
  async listRecent(
    limit: number,
    after: OrderPosition | null = null,
    status?: OrderStatus,
  ): Promise<OrderPage> {
    return pageOf(await this.store.listRecent(limit + 1, after, status), limit);
  }

  /** How many orders are in each status: counts the store keeps, not a scan. */
  countByStatus(): Promise<Record<OrderStatus, number>> {
    return this.store.countByStatus();
  }

  /** Cancels an order, or refunds a confirmed one; 404 unknown, 409 when it is too late. */
  async cancel(id: string): Promise<Order> {
    const result = await this.apply(id, { kind: "cancel" }, null);
    switch (result.kind) {
      case "applied":
        return result.order;
      case "unknown":
        throw notFound("Order", id);
      case "refuse":
        throw conflict(result.why);
      case "ignore":
        // decide() never ignores a cancel; reaching here is a bug worth a loud conflict.
        throw conflict(`Order "${id}" could not be cancelled: ${result.why}`);
    }
  }

  /** Runs one saga input against the stored order until it is applied or found moot. */
  async apply(orderId: string, input: SagaInput, cause: Envelope | null): Promise<ApplyResult> {
    for (let race = 0; race < MAX_RACES; race++) {
      // First try the version this process stored last: the compare-and-set
      // below refuses it if it is behind, and a read per saga step is saved.
      const remembered = race === 0 ? this.#lastStored.get(orderId) : undefined;
      const order = remembered ?? await this.store.get(orderId);
      if (!order) {
        if (await this.store.confirm(orderId, null) === null) return { kind: "unknown" };
        continue;
      }
      const decision = decide(order, input, this.#clock());
      if (decision.kind !== "apply") {
        // Only the stored order may say there is nothing to do: the remembered one may be behind.
        if (remembered) continue;
        // And only as a failover keeps it. An answer that writes nothing is confirmed by no
        // replica, and the read may be of a write refused for want of one (REDIS_WAIT_REPLICAS)
        // — this input's own last attempt, say — which the master has and a failover drops:
        // acked on that, the input would be gone with it, and the order stranded.
        const kept = await this.store.confirm(orderId, order);
        const settled = kept ? decide(kept, input, this.#clock()) : { kind: "unknown" as const };
        if (settled.kind !== "apply") return settled;
        continue;
      }
      const events = decision.emit.map((emission) => this.#envelope(order, emission, cause));
      const written = await this.store.update(decision.order, order.version, events);
      if (!written) this.#lastStored.delete(orderId);
      if (written) {
        if (events.length) this.#onEmit();
        this.#remember(written);
        this.#onUpdated(written);
        this.changes.stored(written);
        if (written.status !== order.status) {
          this.log.debug("Order moved", {
            order_id: orderId,
            from: order.status,
            to: written.status,
            input: input.kind,
          });
        }
        return { kind: "applied", order: written };
      }
    }
    throw new Error(`Order "${orderId}" kept changing under ${input.kind}; giving up for now`);
  }

  /** Compensates orders whose step got no answer in time; returns how many moved. */
  async sweep(limit = 100): Promise<number> {
    let moved = 0;
    for (const id of await this.store.overdue(this.#now(), limit)) {
      const result = await this.apply(id, { kind: "deadline_passed" }, null);
      if (result.kind === "applied") {
        moved++;
        this.log.info("Order step timed out", { order_id: id, status: result.order.status });
      }
    }
    return moved;
  }

  /**
   * Follows one order: the versions this process stores, at once and in
   * order, and a re-read every `pollMs` for what other processes store.
   * Close it when done.
   */
  watch(id: string): OrderWatch {
    return new OrderWatch(this.changes, id, () => this.store.get(id), this.#pollMs, this.#now);
  }

  /** The order once terminal, or as it is when `timeoutMs` has passed or `signal` aborts. */
  async awaitOutcome(id: string, timeoutMs: number, signal?: AbortSignal): Promise<Order | null> {
    const until = this.#now() + timeoutMs;
    const watch = this.watch(id);
    try {
      let order = await this.store.get(id);
      while (order && !isTerminal(order.status)) {
        const next = await watch.next(order.version, { signal, until });
        if (!next) break;
        order = next;
      }
      return order;
    } finally {
      watch.close();
    }
  }

  /**
   * Another orders process stored a new version of `orderId` (its store's change notice):
   * the version remembered here is behind, and may belong to an order that process
   * finished, which this one would never see terminal. Forget it; wake its waiters here.
   */
  othersStored(orderId: string): void {
    this.#lastStored.delete(orderId);
    this.changes.poke(orderId);
  }

  /** How many orders this process remembers a stored version of (a leak shows here). */
  get remembered(): number {
    return this.#lastStored.size;
  }

  #remember(order: Order): void {
    if (isTerminal(order.status)) {
      this.#lastStored.delete(order.id);
      return;
    }
    // In flight is bounded by admission, and another process's notice forgets what it took on;
    // this guards against notices missed while the change channel reconnected.
    if (this.#lastStored.size >= REMEMBERED_MAX && !this.#lastStored.has(order.id)) {
      this.#lastStored.delete(this.#lastStored.keys().next().value!);
    }
    this.#lastStored.set(order.id, order);
  }

  /**
   * An event caused by an envelope continues its conversation; one caused by a
   * request or the clock continues the order's own (its order.placed).
   */
  #envelope(order: Order, emission: Emission, cause: Envelope | null): Envelope {
    if (cause) return outboxEvent(ORDERS_SOURCE, emission.event, emission.data, cause);
    const active = trace.getActiveSpan();
    const traceparent = active && trace.isSpanContextValid(active.spanContext())
      ? traceparentOf(active)
      : order.traceparent;
    return createEnvelope(ORDERS_SOURCE, emission.event, emission.data, {
      correlationId: order.correlation_id,
    }, traceparent);
  }
}

/**
 * A page from a listing asked for one order more than it shows: that one
 * proves there is a next page, so the last page never points at an empty one.
 */
function pageOf(listed: Order[], limit: number): OrderPage {
  if (listed.length <= limit) return { orders: listed, next: null };
  const orders = listed.slice(0, limit);
  return { orders, next: positionOf(orders[orders.length - 1]!) };
}

/**
 * The request in a canonical form (lines sorted by product), hashed: the same
 * order asked for with its lines in another order is the same request.
 */
export async function fingerprintOf(request: PlaceOrder): Promise<string> {
  const lines = request.items.map((item) => [item.product_id, item.quantity] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = JSON.stringify([request.customer_id, lines]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
