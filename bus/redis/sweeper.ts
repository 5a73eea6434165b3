/**
 * The ack deadline: every subscription sweeps its streams' pending lists now
 * and then and claims what nobody acked within the deadline — from consumers
 * that died, hang, or are this very one (a handler stuck past the deadline
 * gets the message again, as its next attempt). Once per dead-consumer idle
 * time it also deletes the consumers of processes that died without closing,
 * when the claims have left them holding nothing.
 *
 * @module
 */
import type { RedisClient } from "../../lib/redis_client.ts";
import { type Claimed, claimIdle } from "./claims.ts";
import { PeriodicTask } from "../../lib/async/periodic.ts";
import type { Logger } from "../../lib/logger.ts";
import { forgetDeadConsumers } from "./dead_consumers.ts";

const MIN_INTERVAL_MS = 50;
/** Claims come at most this late after the deadline, however long the deadline is. */
const MAX_INTERVAL_MS = 5_000;
/** XAUTOCLAIM pages per stream per sweep, so a huge pending list cannot stall a sweep. */
const PAGES = 10;

export interface SweepTarget {
  /** How many messages may be claimed now; a sweep stops at 0. */
  room(): number;
  take(stream: string, claimed: readonly Claimed[]): void;
  /** Pending ids whose entries were trimmed or deleted: nothing left to deliver. */
  drop(stream: string, ids: readonly string[]): void;
}

export class Sweeper {
  readonly #task: PeriodicTask;
  /** Where each stream's next scan starts, so a long pending list is covered over several sweeps. */
  readonly #cursors = new Map<string, string>();
  /** When the next sweep also looks for dead consumers; the first sweep does. */
  #nextForgetAt = 0;

  constructor(
    private readonly commands: RedisClient,
    private readonly group: string,
    private readonly consumer: string,
    private readonly streams: readonly string[],
    private readonly ackDeadlineMs: number,
    /** Idle longer than this and holding nothing: a dead consumer (see dead_consumers.ts). */
    private readonly deadConsumerIdleMs: number,
    private readonly target: SweepTarget,
    private readonly log: Logger,
  ) {
    this.#task = new PeriodicTask(() => this.#sweep(), {
      intervalMs: Math.min(Math.max(ackDeadlineMs / 2, MIN_INTERVAL_MS), MAX_INTERVAL_MS),
      onError: (error) => this.log.warn(`${this.group} ack-deadline sweep failed`, { error }),
    });
  }

  /** Sweeps at once (orphans of a consumer that died before we started), then every interval. */
  start(): void {
    this.#task.start(0);
  }

  /** No sweep starts after this; resolves when the running one has finished. */
  stop(): Promise<void> {
    return this.#task.stop();
  }

  async #sweep(): Promise<void> {
    await this.#claimIdle();
    // After the claims, which may just have emptied a dead consumer's hands.
    // Rarely: a consumer qualifies only after this long anyway, and the
    // script lists every consumer of the group.
    if (this.#task.stopped || Date.now() < this.#nextForgetAt) return;
    this.#nextForgetAt = Date.now() + this.deadConsumerIdleMs;
    for (const stream of this.streams) {
      await forgetDeadConsumers(
        this.commands,
        stream,
        this.group,
        this.consumer,
        this.deadConsumerIdleMs,
      );
    }
  }

  async #claimIdle(): Promise<void> {
    for (const stream of this.streams) {
      for (let page = 0; page < PAGES; page++) {
        const room = this.target.room();
        if (this.#task.stopped || room <= 0) return;
        const { cursor, claimed, deleted } = await claimIdle(
          this.commands,
          stream,
          this.group,
          this.consumer,
          this.ackDeadlineMs,
          this.#cursors.get(stream) ?? "0-0",
          room,
        );
        this.#cursors.set(stream, cursor);
        if (deleted.length > 0) this.target.drop(stream, deleted);
        // Taken even when stopping: the subscription then hands them back on close.
        if (claimed.length > 0) this.target.take(stream, claimed);
        if (cursor === "0-0") break;
      }
    }
  }
}
