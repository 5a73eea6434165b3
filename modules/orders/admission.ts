/**
 * Admission control for `POST /orders` (SPEC "Limits, retention and
 * overload"): past `MAX_INFLIGHT_ORDERS` orders in flight in this process, a
 * new order is refused at once with 503 and `Retry-After`, before anything is
 * written, so an overloaded process sheds work instead of queueing it until
 * everything times out.
 *
 * "In flight" is what this process can count without asking Redis on every
 * request, and it never undercounts work it took on:
 * - placements under way, from admission until the store answered;
 * - orders this process accepted and has not yet seen reach a terminal status.
 *   An order leaves the count when this process applies its terminal
 *   transition (its saga handlers, a cancel), or when a look-up once a second
 *   (a batch of store reads, not one per request) finds it terminal or gone:
 *   with several orders processes, another one may finish it.
 *
 * @module
 */
import { PeriodicTask } from "../../lib/async/mod.ts";
import { unavailable } from "../../lib/errors.ts";
import { isTerminal, type Order } from "./domain/order.ts";

/** A refused client should come back after this long (s): the saga takes about that. */
const RETRY_AFTER_S = 1;
/** How often (ms) orders another process may have finished are looked up. */
const RECHECK_MS = 1_000;
/** Orders looked up in one round, oldest first (one pipelined write). */
const RECHECK_BATCH = 200;

/** What placing an order answers: the order, and whether an Idempotency-Key replayed it. */
export interface Placed {
  order: Order;
  replayed: boolean;
}

export class InflightOrders {
  /** Accepted here and not yet seen terminal: id → when last looked at (insertion order). */
  readonly #open = new Map<string, number>();
  #placing = 0;
  /** #recheck() can't fail (a store that does not answer keeps its orders counted). */
  readonly #rechecks = new PeriodicTask(() => this.#recheck(), {
    intervalMs: RECHECK_MS,
    onError: () => {},
  });

  constructor(
    readonly limit: number,
    private readonly lookup: (id: string) => Promise<Order | null>,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`MAX_INFLIGHT_ORDERS must be a positive integer, got ${limit}`);
    }
  }

  /** Orders in flight in this process now. */
  get count(): number {
    return this.#placing + this.#open.size;
  }

  /** Throws 503 `unavailable` with `Retry-After` when no placement may start now. */
  refuseIfFull(): void {
    if (this.count < this.limit) return;
    throw unavailable(
      `This process has ${this.count} orders in flight, its limit (MAX_INFLIGHT_ORDERS ` +
        `${this.limit}): try again shortly`,
      RETRY_AFTER_S,
    );
  }

  /**
   * Runs one placement if there is room, counting it while the store works
   * and its order until seen terminal; otherwise throws 503 `unavailable` with
   * `Retry-After` without running it.
   */
  async admit(place: () => Promise<Placed>): Promise<Placed> {
    this.refuseIfFull();
    this.#placing++;
    try {
      const placed = await place();
      // A replay was counted when first accepted (here or by another process).
      if (!placed.replayed && !isTerminal(placed.order.status)) {
        this.#open.set(placed.order.id, this.now());
      }
      return placed;
    } finally {
      this.#placing--;
    }
  }

  /** The order moved; a terminal one is no longer in flight. */
  observed(order: Order): void {
    if (isTerminal(order.status)) this.#open.delete(order.id);
  }

  /** Starts the periodic look-up of orders another process may have finished. */
  start(): void {
    this.#rechecks.start();
  }

  stop(): Promise<void> {
    return this.#rechecks.stop();
  }

  /**
   * Looks up the orders looked at longest ago (over a round ago); one still in
   * flight goes to the back of the line. A store that fails keeps them counted.
   */
  async #recheck(): Promise<void> {
    const before = this.now() - RECHECK_MS;
    const due: string[] = [];
    for (const [id, at] of this.#open) {
      if (at > before || due.length >= RECHECK_BATCH) break;
      due.push(id);
    }
    await Promise.all(due.map(async (id) => {
      try {
        const order = await this.lookup(id);
        if (!order || isTerminal(order.status)) this.#open.delete(id);
        else if (this.#open.delete(id)) this.#open.set(id, this.now());
      } catch {
        // The store is not answering: the order may well still be in flight.
      }
    }));
  }
}
