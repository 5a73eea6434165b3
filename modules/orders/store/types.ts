/**
 * What the orders module needs from storage. Memory and Redis implement it
 * alike (store/conformance.ts holds them to that): every write is one atomic
 * step together with the events it emits, and every change after creation is
 * a compare-and-set on the order's version.
 *
 * @module
 */
import type { Envelope } from "../../../bus/mod.ts";
import type { Outbox } from "../../../lib/outbox.ts";
import type { Order, OrderStatus } from "../domain/order.ts";
import type { OrderPosition } from "../domain/position.ts";

/** How long an Idempotency-Key is remembered (Stripe's choice too: a day). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyClaim {
  customerId: string;
  key: string;
  /** A digest of the request; the same key with another fingerprint is a conflict. */
  fingerprint: string;
}

export type CreateResult =
  | { created: true; order: Order }
  /** The key was used before: `order` is the order it made (now), `fingerprint` that request's. */
  | { created: false; order: Order; fingerprint: string };

export interface OrderStore {
  /** The events written with each state change, waiting for the relay. */
  readonly outbox: Outbox;
  /**
   * Stores a new order with its events and indexes, or — when `claim`'s key is
   * already taken for that customer — stores nothing and returns the earlier order.
   */
  create(order: Order, events: Envelope[], claim?: IdempotencyClaim): Promise<CreateResult>;
  get(id: string): Promise<Order | null>;
  /**
   * The order `id` as a failover keeps it, given `read`, what get() just answered: with
   * REDIS_WAIT_REPLICAS read again and confirmed by a replica (ReplicasBehindError when none
   * does in time), as get() may read a write that was refused for want of one and that a
   * failover drops; `read` itself where every read is of kept state (memory, Redis without
   * a wait). A decision to write nothing must rest on this: no WAIT confirms it otherwise.
   */
  confirm(id: string, read: Order | null): Promise<Order | null>;
  /**
   * Calls `changed` with the id of each order another process stores a new
   * version of, as it happens (a store several processes share); absent from
   * a store only this process writes. Resolves once listening.
   */
  watchOthers?(changed: (orderId: string) => void): Promise<{ close(): Promise<void> }>;
  /**
   * Replaces the order if its stored version is still `expectedVersion`,
   * writing it with version `expectedVersion + 1` and appending `events`.
   * Returns the stored order, or null when someone else changed it first.
   */
  update(next: Order, expectedVersion: number, events: Envelope[]): Promise<Order | null>;
  /**
   * A customer's orders, newest first; with `after`, only those listed after
   * that position; with `status`, only those in it now.
   */
  listByCustomer(
    customerId: string,
    limit: number,
    after?: OrderPosition | null,
    status?: OrderStatus,
  ): Promise<Order[]>;
  /** Every customer's orders, newest first, from `after` on, of `status` when given. */
  listRecent(limit: number, after?: OrderPosition | null, status?: OrderStatus): Promise<Order[]>;
  /** Ids of non-terminal orders whose deadline is at or before `now`, earliest first. */
  overdue(now: number, limit: number): Promise<string[]>;
  /** How many orders are in each status: kept as orders move, never counted by a scan. */
  countByStatus(): Promise<Record<OrderStatus, number>>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  /** Lets go of what the store holds for this process (not the connection, which is shared). */
  close(): Promise<void>;
}
