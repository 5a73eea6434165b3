/**
 * Runs the deadline sweep on a timer. Every orders process runs one; two
 * sweeping the same order is harmless because each compensation is a
 * compare-and-set on the order.
 *
 * @module
 */
import { PeriodicTask } from "../../lib/async/periodic.ts";
import type { Logger } from "../../lib/logger.ts";

export class DeadlineSweeper {
  readonly #task: PeriodicTask;

  constructor(
    /** Compensates up to `limit` overdue orders; returns how many it moved. */
    sweep: (limit: number) => Promise<number>,
    intervalMs: number,
    log: Logger,
    batch = 100,
  ) {
    // A full batch means more are overdue: go again at once rather than wait a tick.
    this.#task = new PeriodicTask(async () => (await sweep(batch) >= batch ? 0 : undefined), {
      intervalMs,
      onError: (error) => log.warn("Deadline sweep failed; will retry", { error }),
    });
  }

  /** Often enough that an order is compensated soon after its deadline, at most once a second. */
  static intervalFor(stepTimeoutMs: number): number {
    return Math.max(10, Math.min(1_000, Math.floor(stepTimeoutMs / 4)));
  }

  start(): void {
    this.#task.start();
  }

  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void> {
    return this.#task.stop();
  }
}
