/**
 * One background task run over and over: at least every interval (a timed
 * run comes an interval after the one before it ended, or sooner if a run
 * asks; runs asked for in between do not move it), at once when asked, never
 * two runs at the same time, and a stop that waits for the run under way. The outbox relay, the Redis ack-deadline
 * sweeper, the orders deadline sweeper and the messaging delivery worker all
 * run on it.
 *
 * @module
 */
import type { Timer } from "./timer.ts";

/**
 * One run. It may say how long (ms) to wait before the next one (0: go again
 * at once); otherwise the next comes `intervalMs` after this one ends.
 */
export type PeriodicWork = () => Promise<number | void> | number | void;

export interface PeriodicOptions {
  /** The wait (ms) between the end of one run and the start of the next. */
  intervalMs: number;
  /** Hears what a run threw; the task carries on with the next run. */
  onError: (error: unknown) => void;
  /** Whether a waiting timer lets the process exit (Deno.unrefTimer). Default: it keeps it alive. */
  unref?: boolean;
}

/**
 * `start()` runs the work on a timer; `runNow()` runs it at once (or, during
 * a run, once more right after it); `stop()` ends the timer and resolves when
 * the run under way has finished. `runNow()` works before `start()` too (one
 * run, no timer); nothing runs after `stop()` until the next `start()`.
 */
export class PeriodicTask {
  #state: "idle" | "started" | "stopped" = "idle";
  #timer: Timer | undefined;
  /** When the armed timer fires (Date.now() ms). */
  #timerAt = 0;
  #running: Promise<void> | null = null;
  #again = false;

  constructor(private readonly work: PeriodicWork, private readonly options: PeriodicOptions) {}

  /** True from `stop()` until the next `start()`: a long run may check it to end early. */
  get stopped(): boolean {
    return this.#state === "stopped";
  }

  /** Runs first after `firstInMs` (default: the interval), then every interval; no-op if started. */
  start(firstInMs: number = this.options.intervalMs): void {
    if (this.#state === "started") return;
    this.#state = "started";
    // A run still finishing (from runNow(), or before a stop) schedules the next itself.
    if (this.#running === null) this.#schedule(firstInMs);
  }

  /** Runs now; during a run, once more as soon as it ends. Ignored once stopped. */
  runNow(): void {
    if (this.#state === "stopped") return;
    if (this.#running !== null) {
      this.#again = true;
      return;
    }
    this.#launch();
  }

  /** No run starts after this (until `start()`); resolves once the one under way has ended. */
  async stop(): Promise<void> {
    this.#state = "stopped";
    this.#again = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * Arms the timer for the next timed run, `inMs` from now. One already armed
   * that fires no later stays: a task woken by runNow() between timed runs
   * costs one timer per interval rather than one per wake, and a timed run
   * that comes a little early finds the same work it would have later.
   */
  #schedule(inMs: number): void {
    const at = Date.now() + Math.max(0, inMs);
    if (this.#timer !== undefined) {
      if (this.#timerAt <= at) return;
      clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, inMs));
    if (this.options.unref) Deno.unrefTimer(this.#timer as unknown as number);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    // A run under way (woken by runNow()): the timed one follows it.
    if (this.#running !== null) this.#again = true;
    else this.#launch();
  };

  #launch(): void {
    this.#again = false;
    this.#running = this.#once().then((nextInMs) => {
      this.#running = null;
      if (this.#state === "stopped") return;
      if (this.#again || (nextInMs === 0 && this.#state === "started")) this.#launch();
      else if (this.#state === "started") {
        this.#schedule(nextInMs ?? this.options.intervalMs);
      }
    });
  }

  async #once(): Promise<number | undefined> {
    try {
      const next = await this.work();
      return typeof next === "number" ? next : undefined;
    } catch (error) {
      this.options.onError(error);
      return undefined;
    }
  }
}
