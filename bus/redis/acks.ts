/**
 * Batched XACK: one command per stream for many messages instead of one round
 * trip each, which would otherwise cap how fast a subscription can go.
 *
 * @module
 */
import type { RedisClient } from "../../lib/redis_client.ts";
import type { Logger } from "../../lib/logger.ts";
import type { Timer } from "../../lib/async/timer.ts";

/** Acks wait at most this long for company before they are sent. */
const FLUSH_DELAY_MS = 2;
/** Or go at once when this many are waiting. */
const FLUSH_AT = 500;
/** After a failed XACK (server away) the ids are tried again this much later. */
const RETRY_DELAY_MS = 500;

export class AckBatcher {
  #pending = new Map<string, string[]>();
  #size = 0;
  #timer: Timer | undefined;
  #sending = new Set<Promise<void>>();
  /** Once closing, a failed XACK is given up: the message is redelivered after its deadline. */
  #closing = false;

  constructor(
    private readonly commands: RedisClient,
    private readonly group: string,
    private readonly log: Logger,
  ) {}

  add(stream: string, id: string): void {
    this.#queue(stream, [id]);
    if (this.#size >= FLUSH_AT || this.#closing) this.flush();
    else this.#schedule(FLUSH_DELAY_MS);
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [stream, ids] of this.#pending) {
      const sent = this.commands.xack(stream, this.group, ...ids).then(
        () => {},
        (error: unknown) => this.#failed(stream, ids, error),
      );
      this.#sending.add(sent);
      sent.finally(() => this.#sending.delete(sent));
    }
    this.#pending.clear();
    this.#size = 0;
  }

  /**
   * Sends what is waiting and resolves once every XACK has an answer. From
   * here on nothing is retried and no timer is set.
   */
  async close(): Promise<void> {
    this.#closing = true;
    this.flush();
    while (this.#sending.size > 0) await Promise.all(this.#sending);
  }

  #queue(stream: string, ids: readonly string[]): void {
    const queued = this.#pending.get(stream);
    if (queued) queued.push(...ids);
    else this.#pending.set(stream, [...ids]);
    this.#size += ids.length;
  }

  #schedule(delayMs: number): void {
    if (this.#timer === undefined) this.#timer = setTimeout(() => this.flush(), delayMs);
  }

  #failed(stream: string, ids: string[], error: unknown): void {
    if (this.#closing) {
      this.log.warn(`${ids.length} acks on ${stream} failed; redelivered after the ack deadline`, {
        error,
      });
      return;
    }
    this.log.warn(`${ids.length} acks on ${stream} failed; retrying`, { error });
    this.#queue(stream, ids);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#schedule(RETRY_DELAY_MS);
  }
}
