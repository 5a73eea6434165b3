/**
 * The read side of a subscription: a loop of blocking XREADGROUP calls on a
 * connection of its own (read_connection.ts), across the subscription's
 * streams, asking for as many new messages as there is room for. It survives
 * errors (logged, backed off, groups re-created after NOGROUP; on a cluster,
 * the bus's slot followed to its new master) and stops promptly on close
 * without dropping a read that Redis has already answered.
 *
 * @module
 */
import type { Logger } from "../../lib/logger.ts";
import type { ReadConnection } from "./read_connection.ts";
import { isNoGroup, parseReadReply, type StreamEntry } from "./replies.ts";
import { settlesWithin } from "../../lib/async/settles_within.ts";
import { Sleeper } from "../../lib/async/sleeper.ts";
import type { Timer } from "../../lib/async/timer.ts";

/** A blocked read returns this often even if stop() could not unblock it. */
export const READ_BLOCK_MS = 2_000;
/** How long stop() keeps trying CLIENT UNBLOCK before it drops the socket. */
const UNBLOCK_PATIENCE_MS = 500;
const MAX_BACKOFF_MS = 5_000;

export interface ReaderTarget {
  /** How many messages may be read now; the loop parks at 0 until wake(). */
  room(): number;
  take(stream: string, entries: readonly StreamEntry[]): void;
  /** After NOGROUP: the server lost the streams (a restart without data). */
  recreateGroups(): Promise<void>;
}

export class StreamReader {
  #loop: Promise<void> = Promise.resolve();
  #parked: (() => void) | null = null;
  #wakeTimer: Timer | undefined;
  readonly #sleeper = new Sleeper();
  #stopping = false;

  constructor(
    private readonly connection: ReadConnection,
    private readonly group: string,
    private readonly consumer: string,
    private readonly streams: readonly string[],
    /** A read of fewer is put off to the next macrotask, in case more room frees up. */
    private readonly batch: number,
    private readonly target: ReaderTarget,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.#loop = this.#run();
  }

  /** Room was freed. */
  wake(): void {
    if (!this.#parked) return;
    // Batches, not trickles: a burst of handlers finishing in one go is all
    // counted by the next macrotask.
    if (this.target.room() >= this.batch / 2) this.#unpark();
    else this.#wakeTimer ??= setTimeout(() => this.#unpark(), 0);
  }

  /** Ends the loop: unblocks the pending read (which then returns empty) and closes the connection. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#sleeper.stop();
    this.#unpark();
    const deadline = Date.now() + UNBLOCK_PATIENCE_MS;
    let ended = false;
    while (!ended && Date.now() < deadline) {
      await settlesWithin(this.connection.unblock(), 50);
      ended = await settlesWithin(this.#loop, 20);
    }
    if (!ended) {
      // What the dropped read had taken stays pending and is claimed after the ack deadline.
      this.connection.drop();
      await this.#loop;
    }
    await this.connection.close();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      const room = this.target.room();
      if (room <= 0) {
        await new Promise<void>((resolve) => this.#parked = resolve);
        continue;
      }
      try {
        const connection = this.connection.redis;
        await this.connection.clientId();
        if (this.#stopping) break;
        const reply = await connection.xreadgroup(
          "GROUP",
          this.group,
          this.consumer,
          "COUNT",
          room,
          "BLOCK",
          READ_BLOCK_MS,
          "STREAMS",
          ...this.streams,
          ...this.streams.map(() => ">"),
        );
        failures = 0;
        for (const { key, entries } of parseReadReply(reply)) this.target.take(key, entries);
      } catch (error) {
        if (this.#stopping) break;
        failures = await this.#recover(error, failures + 1);
      }
    }
  }

  /** Returns the failures to count from now on: none once the reads moved to another server. */
  async #recover(error: unknown, failures: number): Promise<number> {
    this.log.warn(`${this.group} read failed (attempt ${failures})`, { error });
    if (isNoGroup(error)) {
      await this.target.recreateGroups().catch((cause) =>
        this.log.warn(`${this.group} could not recreate its groups`, { error: cause })
      );
    }
    if (this.#stopping) return failures;
    const moved = await this.connection.follow(error).catch((cause) => {
      this.log.warn(`${this.group} could not follow its streams to another node`, { error: cause });
      return false;
    });
    if (moved) {
      const { host, port } = this.connection.redis.options;
      this.log.info(`${this.group} reads from ${host}:${port} now`);
      return 0;
    }
    await this.#sleeper.sleep(Math.min(100 * 2 ** (failures - 1), MAX_BACKOFF_MS));
    return failures;
  }

  #unpark(): void {
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    const parked = this.#parked;
    this.#parked = null;
    parked?.();
  }
}
