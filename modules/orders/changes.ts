/**
 * How a waiting request (`Prefer: wait`, `GET /orders/:id/events`) hears that
 * an order changed, without polling the store in a tight loop: this process's
 * writes are announced at once in-process (`OrderChanges`); another orders
 * process's writes to a shared store poke the waiters to read again (the
 * store's `watchOthers`), and a slow re-read catches what a poke missed.
 *
 * @module
 */
import type { Order } from "./domain/order.ts";
import type { OrderStore } from "./store/types.ts";
import type { Timer } from "../../lib/async/mod.ts";

/** A stored version, or null: "it may have changed elsewhere, read it again". */
type Listener = (order: Order | null) => void;

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

  /** Another process stored a new version of `orderId`: its waiters read it again now. */
  poke(orderId: string): void {
    for (const listener of this.#listeners.get(orderId) ?? []) listener(null);
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
  /** Ends the sleep under way: true when an announcement woke it, false when time ran out. */
  #wake: ((woken: boolean) => void) | null = null;
  /** Poked since the last read: another process wrote it. */
  #poked = false;
  #closed = false;
  /**
   * The re-read timer. One per watch, re-armed only when it fires, not per
   * sleep: most watches see a few announcements and never need it.
   */
  #timer: Timer | undefined;
  /** The timer fired while nobody slept: the next sleep ends at once. */
  #due = false;
  /** The signal this watch listens to, once (a listener per sleep costs more than the sleep). */
  #signal: AbortSignal | undefined;
  readonly #aborted = () => this.#wake?.(false);

  constructor(
    changes: OrderChanges,
    orderId: string,
    private readonly read: () => Promise<Order | null>,
    private readonly fallbackMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#unlisten = changes.listen(orderId, (order) => {
      if (order) this.#queue.push(order);
      else this.#poked = true;
      this.#wake?.(true);
    });
  }

  /** The next version after `version`, or null once `until` passes, `signal` aborts or it is closed. */
  async next(version: number, options: WatchOptions = {}): Promise<Order | null> {
    const { signal, until = Infinity } = options;
    if (signal && signal !== this.#signal) {
      this.#signal?.removeEventListener("abort", this.#aborted);
      this.#signal = signal;
      signal.addEventListener("abort", this.#aborted, { once: true });
    }
    while (true) {
      const queued = this.#take(version);
      if (queued) return queued;
      const left = until - this.now();
      if (this.#closed || signal?.aborted || left <= 0) return null;
      if (!this.#poked) {
        const woken = await this.#sleep(Math.min(this.fallbackMs, left));
        if (woken && !this.#poked) continue;
      }
      // Poked, or nothing announced for a while: another process may have written it.
      this.#poked = false;
      const stored = await this.read();
      if (this.#queue.some((order) => order.version > version)) {
        // What this process stored meanwhile goes first, so no status is skipped. A newer version
        // the read found has had its poke: the next call reads again rather than wait a second.
        if (stored && this.#queue.every((order) => order.version < stored.version)) {
          this.#poked = true;
        }
        continue;
      }
      if (stored && stored.version > version) return stored;
    }
  }

  close(): void {
    this.#closed = true;
    this.#unlisten();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#signal?.removeEventListener("abort", this.#aborted);
    this.#wake?.(true);
  }

  /** The oldest announced version after `version`, dropping older ones. */
  #take(version: number): Order | null {
    while (this.#queue.length > 0) {
      const order = this.#queue.shift()!;
      if (order.version > version) return order;
    }
    return null;
  }

  /**
   * True when an announcement woke it, false when the time ran out or the
   * signal aborted. A timer armed earlier stays: it fires no later than `ms`
   * from when it was armed, which was no later than the caller's deadline.
   */
  #sleep(ms: number): Promise<boolean> {
    if (this.#due) {
      this.#due = false;
      return Promise.resolve(false);
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      if (this.#wake) this.#wake(false);
      else this.#due = true;
    }, ms);
    return new Promise((resolve) => {
      this.#wake = (woken) => {
        this.#wake = null;
        resolve(woken);
      };
    });
  }
}

/**
 * A module worker: while it runs, other processes' writes to a shared store
 * poke this process's waiters. Nothing to do on a store only this process writes.
 */
export class OthersWriting {
  #watching: Promise<{ close(): Promise<void> } | null> = Promise.resolve(null);

  constructor(
    private readonly store: Pick<OrderStore, "watchOthers">,
    /** Told the id of each order another process stored (`OrderService.othersStored`). */
    private readonly heard: (orderId: string) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (!this.store.watchOthers) return;
    this.#watching = this.store.watchOthers(this.heard).catch((error) => {
      // Waiters still re-read now and then; they only hear of it later.
      this.onError(error);
      return null;
    });
  }

  async stop(): Promise<void> {
    await (await this.#watching)?.close();
  }
}
