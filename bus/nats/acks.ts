/**
 * Acks sent together. nats.js writes its outbound buffer to the socket once
 * per microtask turn that publishes something, and a consume loop hands out
 * one message per turn, so acking each message as its handler ended meant a
 * socket write per message — the costliest part of consuming (about a third
 * of the CPU in the bus benchmark). Acks wait for the next macrotask (or for
 * FLUSH_AT of them) and leave in one write: later by a moment, never lost
 * before a close, which flushes them.
 *
 * @module
 */
import type { JsMsg } from "nats";
import type { Timer } from "../../lib/async/timer.ts";
import type { Logger } from "../../lib/logger.ts";

const FLUSH_AT = 256;

/** Ack, nak and term only publish; a failure (connection gone) just means redelivery. */
export function settle(msg: JsMsg, action: (msg: JsMsg) => void, log: Logger): void {
  try {
    action(msg);
  } catch (error) {
    log.warn(`Could not settle message ${msg.seq}; it will be redelivered`, { error });
  }
}

const ack = (msg: JsMsg) => msg.ack();

export class AckBatch {
  #waiting: JsMsg[] = [];
  #timer: Timer | undefined;

  constructor(private readonly log: Logger) {}

  add(msg: JsMsg): void {
    this.#waiting.push(msg);
    if (this.#waiting.length >= FLUSH_AT) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), 0);
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const msg of waiting) settle(msg, ack, this.log);
  }
}
