/**
 * The messages one subscription holds: read or claimed and not yet acked,
 * dead-lettered or let go. Each is queued (not started), running, or waiting
 * (failed, backing off before its next claim).
 *
 * A claim of a message already held — the ack-deadline sweep finding a hung
 * handler's message — supersedes the delivery in progress: the message is
 * queued again under a new generation, and the old delivery, when it ends,
 * learns from its generation that it is stale.
 *
 * @module
 */
import type { StreamEntry } from "./replies.ts";
import type { Timer } from "../../lib/async/timer.ts";

export interface Held {
  readonly key: string;
  readonly stream: string;
  readonly id: string;
  readonly fields: readonly string[];
  attempt: number;
  generation: number;
  state: "queued" | "running" | "waiting";
  retryTimer?: Timer;
}

export class HeldMessages {
  readonly #held = new Map<string, Held>();
  #queue: Held[] = [];
  #running = 0;

  /** Messages held in any state. */
  get size(): number {
    return this.#held.size;
  }

  /** Messages whose current delivery is running (superseded ones not counted). */
  get running(): number {
    return this.#running;
  }

  /** Holds a message, or re-arms one already held under its new claim. */
  take(stream: string, entry: StreamEntry & { fields: string[] }, attempt: number): void {
    const key = `${stream} ${entry.id}`;
    const held = this.#held.get(key);
    if (!held) {
      const fresh: Held = {
        key,
        stream,
        id: entry.id,
        fields: entry.fields,
        attempt,
        generation: 0,
        state: "queued",
      };
      this.#held.set(key, fresh);
      this.#queue.push(fresh);
      return;
    }
    held.attempt = attempt;
    held.generation++;
    clearTimeout(held.retryTimer);
    held.retryTimer = undefined;
    // The superseded handler may run on; its slot goes to the new delivery.
    if (held.state === "running") this.#running--;
    if (held.state !== "queued") this.#queue.push(held);
    held.state = "queued";
  }

  /** Marks the next queued message running and returns it; undefined when none is queued. */
  startNext(): Held | undefined {
    while (this.#queue.length > 0) {
      const held = this.#queue.shift()!;
      if (held.state === "queued" && this.#held.get(held.key) === held) {
        held.state = "running";
        this.#running++;
        return held;
      }
    }
    return undefined;
  }

  /**
   * A delivery of `held` ended. True when it was the current one (its slot is
   * freed); false when it was superseded or the message was let go meanwhile.
   */
  finish(held: Held, generation: number): boolean {
    const current = this.#held.get(held.key) === held && held.generation === generation &&
      held.state === "running";
    if (current) this.#running--;
    return current;
  }

  /** Whether `held` is still waiting for the retry scheduled at `generation`. */
  isWaiting(held: Held, generation: number): boolean {
    return this.#held.get(held.key) === held && held.generation === generation &&
      held.state === "waiting";
  }

  release(held: Held): void {
    clearTimeout(held.retryTimer);
    this.#held.delete(held.key);
  }

  stopRetryTimers(): void {
    for (const held of this.#held.values()) clearTimeout(held.retryTimer);
  }

  /** Lets go of everything; returns what was not running (queued or waiting). */
  releaseAll(): Held[] {
    const idle = [...this.#held.values()].filter((held) => held.state !== "running");
    this.stopRetryTimers();
    this.#held.clear();
    this.#queue = [];
    return idle;
  }
}
