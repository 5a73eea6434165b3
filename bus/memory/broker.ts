/**
 * The in-memory broker: one per `memory://name` and namespace in a process,
 * shared by every MemoryBus opened on them, as several processes share one
 * Redis or NATS server. It lives while a bus is open on it.
 *
 * It keeps a log per event type, the consumer groups reading each, the
 * dead letters, and the one timer that drives retries and ack deadlines.
 *
 * @module
 */
import type { Retention } from "../defaults.ts";
import type { Backlog, DeadLetter } from "../types.ts";
import { ConsumerGroup } from "./consumer_group.ts";
import { DeadLetterBox } from "./dead_letters.ts";
import { MinHeap } from "./heap.ts";
import { Log } from "./log.ts";
import { type Message, toWire } from "./wire.ts";

/** Longer timer delays overflow and fire at once; a far deadline just re-arms on waking. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

interface Stream {
  log: Log<Message>;
  /** When each message of `log` was appended (performance.now()), position for position. */
  times: Log<number>;
  groups: ConsumerGroup[];
}

interface Retry {
  due: number;
  group: ConsumerGroup;
  message: Message;
  attempt: number;
}

export class Broker {
  /** Open buses on this broker. */
  refs = 0;
  readonly deadLetters: DeadLetterBox;
  readonly #streams = new Map<string, Stream>();
  /** Groups with work waiting for the next pump, so a burst of publishes costs one pump. */
  #scheduled: ConsumerGroup[] = [];
  #pumpQueued = false;
  readonly #retries = new MinHeap<Retry>((retry) => retry.due);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #shut = false;

  constructor(readonly key: string, readonly retention: Retention) {
    this.deadLetters = new DeadLetterBox(retention.count, (type, group, envelope) => {
      this.consumerGroup(type, group).redeliver(toWire(envelope), 1);
    });
  }

  /**
   * Appends to the log of `type`, drops the oldest messages beyond either
   * bound of `retention` that every group has already taken, and wakes the
   * groups. A message a group has not taken stays, however far behind the
   * group is: taken ones are held by the group itself until acknowledged.
   */
  append(type: string, message: Message, retention: Retention): void {
    const stream = this.#stream(type);
    const now = performance.now();
    stream.log.append(message);
    stream.times.append(now);
    let taken = Infinity;
    for (const group of stream.groups) taken = Math.min(taken, group.cursor);
    const { log, times } = stream;
    while (
      log.first < taken && log.length > 0 &&
      (log.length > retention.count || now - times.at(times.first) > retention.ageMs)
    ) {
      log.shift();
      times.shift();
    }
    for (const group of stream.groups) this.schedule(group);
  }

  consumerGroup(type: string, name: string): ConsumerGroup {
    const stream = this.#stream(type);
    let group = stream.groups.find((each) => each.name === name);
    if (!group) stream.groups.push(group = new ConsumerGroup(name, type, stream.log, this));
    return group;
  }

  /** Has the group dispatch in the next pump (a microtask), once however often it is asked. */
  schedule(group: ConsumerGroup): void {
    if (group.scheduled || this.#shut) return;
    group.scheduled = true;
    this.#scheduled.push(group);
    if (!this.#pumpQueued) {
      this.#pumpQueued = true;
      queueMicrotask(this.#pump);
    }
  }

  retryLater(group: ConsumerGroup, message: Message, attempt: number, delayMs: number): void {
    if (this.#shut) return;
    // `backoff` is the caller's function; NaN would break the heap's order.
    const due = performance.now() + (delayMs > 0 ? delayMs : 0);
    this.#retries.push({ due, group, message, attempt });
    this.wakeAt(due);
    // A retry is work still to do; ack deadlines alone should not keep a process alive.
    if (this.#timer !== undefined) Deno.refTimer(this.#timer);
  }

  /** The backlog of the consumer groups named `name`, over every log they read. */
  backlog(name: string): Backlog {
    const total = { pending: 0, lag: 0 };
    // Failed and backing off: still delivered and not acked.
    for (const retry of this.#retries.values()) if (retry.group.name === name) total.pending++;
    for (const stream of this.#streams.values()) {
      const group = stream.groups.find((each) => each.name === name);
      if (!group) continue;
      const { pending, lag } = group.backlog();
      total.pending += pending;
      total.lag += lag;
    }
    return total;
  }

  deadLetter(type: string, record: Omit<DeadLetter, "id">): void {
    this.deadLetters.add(type, record);
  }

  /**
   * Makes sure the timer fires by `at`. One timer for the whole broker
   * rather than one per message: it only moves when something is due sooner.
   */
  wakeAt(at: number): void {
    if (this.#shut || at >= this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, Math.ceil(at - performance.now())));
    this.#timer = setTimeout(this.#onTimer, delay);
    if (this.#retries.size === 0) Deno.unrefTimer(this.#timer);
  }

  /** Stops every timer and pump; messages still in it are gone, as with a stopped server. */
  shutDown(): void {
    this.#shut = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#retries.clear();
    this.#streams.clear();
    this.#scheduled = [];
  }

  #stream(type: string): Stream {
    let stream = this.#streams.get(type);
    if (!stream) {
      this.#streams.set(type, stream = { log: new Log(), times: new Log(), groups: [] });
    }
    return stream;
  }

  readonly #pump = (): void => {
    this.#pumpQueued = false;
    const groups = this.#scheduled;
    this.#scheduled = [];
    for (const group of groups) {
      group.scheduled = false;
      group.dispatch();
    }
  };

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now();
    for (
      let retry = this.#retries.peek();
      retry && retry.due <= now;
      retry = this.#retries.peek()
    ) {
      this.#retries.pop();
      retry.group.redeliver(retry.message, retry.attempt);
    }
    let next = this.#retries.peek()?.due ?? Infinity;
    for (const stream of this.#streams.values()) {
      for (const group of stream.groups) next = Math.min(next, group.reclaimOverdue(now));
    }
    if (next < Infinity) this.wakeAt(next);
  };
}
