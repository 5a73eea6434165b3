/**
 * Runs the deadline sweep on a timer. Every orders process runs one; two
 * sweeping the same order is harmless because each compensation is a
 * compare-and-set on the order.
 *
 * @module
 */
import type { Logger } from "../../lib/logger.ts";

export class DeadlineSweeper {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<void> | null = null;
  #stopped = true;

  constructor(
    /** Compensates up to `limit` overdue orders; returns how many it moved. */
    private readonly sweep: (limit: number) => Promise<number>,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly batch = 100,
  ) {}

  /** Often enough that an order is compensated soon after its deadline, at most once a second. */
  static intervalFor(stepTimeoutMs: number): number {
    return Math.max(10, Math.min(1_000, Math.floor(stepTimeoutMs / 4)));
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#running = this.#tick().finally(() => {
        this.#running = null;
        this.#schedule();
      });
    }, this.intervalMs);
  }

  async #tick(): Promise<void> {
    try {
      // A full batch means more are overdue: keep going rather than wait a tick.
      while (!this.#stopped && await this.sweep(this.batch) >= this.batch);
    } catch (error) {
      this.log.warn("Deadline sweep failed; will retry", { error });
    }
  }
}
