/**
 * How a waiting request (`Prefer: wait`, `GET /orders/:id/events`) hears that
 * an order changed, without polling the store in a tight loop: this process's
 * writes are announced at once in-process (`OrderChanges`), and a slow re-read
 * catches what another orders process wrote to a shared store.
 *
 * @module
 */
import type { Order } from "./domain/order.ts";

type Listener = (order: Order) => void;

/** The in-process announcements: every order this process stores, as stored. */
export class OrderChanges {
  readonly #listeners = new Map<string, Set<Listener>>();

  /** Calls `listener` with each version of the order stored from now on; returns the unsubscribe. */
  listen(orderId: string, listener: Listener): () => void {
    let listeners = this.#listeners.get(orderId);
    if (!listeners) this.#listeners.set(orderId, listeners = new Set());
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#listeners.get(orderId) === listeners) {
        this.#listeners.delete(orderId);
      }
    };
  }

  stored(order: Order): void {
    for (const listener of this.#listeners.get(order.id) ?? []) listener(order);
  }

  /** How many orders someone is waiting on (a leak shows here). */
  get watched(): number {
    return this.#listeners.size;
  }
}

export interface WatchOptions {
  /** Stop waiting (null) when this aborts. */
  signal?: AbortSignal;
  /** Stop waiting (null) at this time, in ms since the epoch. */
  until?: number;
}

/**
 * One waiter's view of one order: the versions this process stored, in the
 * order it stored them (so no status is skipped), and otherwise whatever a
 * re-read every `fallbackMs` finds. Listens from construction, so a change
 * between the caller's first read and its first `next()` is not lost.
 */
export class OrderWatch {
  readonly #queue: Order[] = [];
  readonly #unlisten: () => void;
  #wake: (() => void) | null = null;
  #closed = false;

  constructor(
    changes: OrderChanges,
    orderId: string,
    private readonly read: () => Promise<Order | null>,
    private readonly fallbackMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#unlisten = changes.listen(orderId, (order) => {
      this.#queue.push(order);
      this.#wake?.();
    });
  }

  /** The next version after `version`, or null once `until` passes, `signal` aborts or it is closed. */
  async next(version: number, options: WatchOptions = {}): Promise<Order | null> {
    const { signal, until = Infinity } = options;
    while (true) {
      const queued = this.#take(version);
      if (queued) return queued;
      const left = until - this.now();
      if (this.#closed || signal?.aborted || left <= 0) return null;
      const woken = await this.#sleep(Math.min(this.fallbackMs, left), signal);
      if (woken) continue;
      // Nothing announced here: another process may have written it.
      const stored = await this.read();
      if (this.#queue.some((order) => order.version > version)) continue;
      if (stored && stored.version > version) return stored;
    }
  }

  close(): void {
    this.#closed = true;
    this.#unlisten();
    this.#wake?.();
  }

  /** The oldest announced version after `version`, dropping older ones. */
  #take(version: number): Order | null {
    while (this.#queue.length > 0) {
      const order = this.#queue.shift()!;
      if (order.version > version) return order;
    }
    return null;
  }

  /** True when an announcement woke it, false when the time ran out or the signal aborted. */
  #sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", aborted);
        this.#wake = null;
        resolve(woken);
      };
      const aborted = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      signal?.addEventListener("abort", aborted, { once: true });
      this.#wake = () => done(true);
    });
  }
}
