/**
 * The in-memory order store: each write is one synchronous step (state,
 * indexes and outbox together), so nothing can interleave with it. Orders are
 * kept frozen (frozenCopy) and handed out as kept: a reader that wants to
 * change one builds the next version, as the saga's decisions do.
 *
 * @module
 */
import type { Envelope } from "../../../bus/mod.ts";
import { frozenCopy } from "../../../lib/json_copy.ts";
import { MemoryOutbox } from "../../../lib/outbox.ts";
import { type Order, ORDER_STATUSES, type OrderStatus } from "../domain/order.ts";
import { listsAfter, type OrderPosition } from "../domain/position.ts";
import { IDEMPOTENCY_TTL_MS } from "./types.ts";
import type { CreateResult, IdempotencyClaim, OrderStore } from "./types.ts";

interface Remembered {
  orderId: string;
  fingerprint: string;
  expiresAt: number;
}

/** Newest first; equal times by id, descending, as a Redis ZREVRANGE orders them. */
function newestFirst(a: Order, b: Order): number {
  const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export class MemoryOrderStore implements OrderStore {
  readonly outbox = new MemoryOutbox();
  readonly #orders = new Map<string, Order>();
  readonly #byCustomer = new Map<string, Set<string>>();
  readonly #idempotency = new Map<string, Remembered>();
  /** Only orders in flight, so the sweeper never scans the finished ones. */
  readonly #deadlines = new Map<string, number>();
  readonly #counts = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<
    OrderStatus,
    number
  >;

  /** How long (ms) an Idempotency-Key names its order (IDEMPOTENCY_TTL_S). */
  constructor(private readonly idempotencyTtlMs = IDEMPOTENCY_TTL_MS) {}

  create(order: Order, events: Envelope[], claim?: IdempotencyClaim): Promise<CreateResult> {
    const now = Date.now();
    if (claim) {
      const slot = JSON.stringify([claim.customerId, claim.key]);
      const earlier = this.#idempotency.get(slot);
      const earlierOrder = earlier && earlier.expiresAt > now
        ? this.#orders.get(earlier.orderId)
        : undefined;
      if (earlier && earlierOrder) {
        return Promise.resolve({
          created: false,
          order: earlierOrder,
          fingerprint: earlier.fingerprint,
        });
      }
      this.#forgetExpired(now);
      this.#idempotency.set(slot, {
        orderId: order.id,
        fingerprint: claim.fingerprint,
        expiresAt: now + this.idempotencyTtlMs,
      });
    }
    const stored = frozenCopy(order);
    this.#orders.set(order.id, stored);
    let ids = this.#byCustomer.get(order.customer_id);
    if (!ids) this.#byCustomer.set(order.customer_id, ids = new Set());
    ids.add(order.id);
    this.#counts[stored.status]++;
    this.#indexDeadline(stored);
    this.outbox.append(...events);
    return Promise.resolve({ created: true, order: stored });
  }

  get(id: string): Promise<Order | null> {
    const order = this.#orders.get(id);
    return Promise.resolve(order ?? null);
  }

  /** Nothing a failover could drop: what get() read stands. */
  confirm(_id: string, read: Order | null): Promise<Order | null> {
    return Promise.resolve(read);
  }

  update(next: Order, expectedVersion: number, events: Envelope[]): Promise<Order | null> {
    const current = this.#orders.get(next.id);
    if (!current || current.version !== expectedVersion) return Promise.resolve(null);
    const stored = frozenCopy({ ...next, version: expectedVersion + 1 });
    this.#orders.set(next.id, stored);
    this.#counts[current.status]--;
    this.#counts[stored.status]++;
    this.#indexDeadline(stored);
    this.outbox.append(...events);
    return Promise.resolve(stored);
  }

  listByCustomer(
    customerId: string,
    limit: number,
    after: OrderPosition | null = null,
    status?: OrderStatus,
  ): Promise<Order[]> {
    const ids = [...this.#byCustomer.get(customerId) ?? []];
    const orders = ids.map((id) => this.#orders.get(id)!);
    return Promise.resolve(this.#newest(orders, limit, after, status));
  }

  listRecent(
    limit: number,
    after: OrderPosition | null = null,
    status?: OrderStatus,
  ): Promise<Order[]> {
    return Promise.resolve(this.#newest([...this.#orders.values()], limit, after, status));
  }

  overdue(now: number, limit: number): Promise<string[]> {
    const due = [...this.#deadlines].filter(([, deadline]) => deadline <= now)
      .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1));
    return Promise.resolve(due.slice(0, limit).map(([id]) => id));
  }

  countByStatus(): Promise<Record<OrderStatus, number>> {
    return Promise.resolve({ ...this.#counts });
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #newest(
    orders: Order[],
    limit: number,
    after: OrderPosition | null,
    status: OrderStatus | undefined,
  ): Order[] {
    const rest = orders.filter((order) =>
      (after === null || listsAfter(order, after)) &&
      (status === undefined || order.status === status)
    );
    return rest.sort(newestFirst).slice(0, limit);
  }

  #indexDeadline(order: Order): void {
    if (order.deadline === null) this.#deadlines.delete(order.id);
    else this.#deadlines.set(order.id, order.deadline);
  }

  /** Keeps the key table from growing without bound in a long-lived process. */
  #forgetExpired(now: number): void {
    if (this.#idempotency.size < 10_000) return;
    for (const [slot, remembered] of this.#idempotency) {
      if (remembered.expiresAt <= now) this.#idempotency.delete(slot);
    }
  }
}
