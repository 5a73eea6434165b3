/**
 * One subscription: a consumer in the group on each subscribed type's stream
 * and on the group's direct stream (replays), handling at most `maxInFlight`
 * messages at a time. Reading is StreamReader's, the ack deadline Sweeper's,
 * the bookkeeping HeldMessages'; this file decides what happens to each
 * message, and how a close ends.
 *
 * @module
 */
import type { RedisClient } from "../../lib/redis_client.ts";
import { DEFAULT_CLOSE_GRACE_MS, type ResolvedOptions } from "../defaults.ts";
import { contractMap, deadLetterRecord, deliver, type Outcome } from "../delivery.ts";
import type { CloseOptions, EventContract, Handler, Subscription } from "../types.ts";
import { AckBatcher } from "./acks.ts";
import { type Claimed, claimForRetry, createGroups } from "./claims.ts";
import { closeSubscription } from "./closing.ts";
import type { Logger } from "../../lib/logger.ts";
import { deadConsumerIdleMs } from "./dead_consumers.ts";
import type { RedisDeadLetters } from "./dead_letters.ts";
import { type Held, HeldMessages } from "./held.ts";
import type { ReadConnection } from "./read_connection.ts";
import { StreamReader } from "./reader.ts";
import { fieldValue, type StreamEntry } from "./replies.ts";
import { Sweeper } from "./sweeper.ts";

/** setTimeout may fire a hair before Redis's clock says the backoff has passed. */
const CLOCK_SLACK_MS = 5;
/** After a failed retry claim (server away), the next try comes this much later. */
const RECLAIM_DELAY_MS = 1_000;

export interface SubscriptionDeps {
  /** Shared, auto-pipelined: acks, claims, dead letters. */
  commands: RedisClient;
  /** A fresh connection for this subscription's blocking reads (on a cluster: to the bus's master). */
  reader: ReadConnection;
  deadLetters: RedisDeadLetters;
  /** The type streams, then the group's direct stream. */
  streams: readonly string[];
  /** The set naming the streams the group reads (createGroups adds them). */
  reads: string;
  consumer: string;
  log: Logger;
  /** Tests shorten it; otherwise it follows from the ack deadline. */
  deadConsumerIdleMs?: number;
}

export class RedisSubscription implements Subscription {
  readonly #commands: RedisClient;
  readonly #deadLetters: RedisDeadLetters;
  readonly #streams: readonly string[];
  readonly #consumer: string;
  readonly #log: Logger;
  readonly #contracts: ReadonlyMap<string, EventContract>;
  readonly #acks: AckBatcher;
  readonly #reader: StreamReader;
  readonly #sweeper: Sweeper;
  readonly #held = new HeldMessages();
  /** Dead-letter writes in flight, awaited by close(). */
  readonly #writes = new Set<Promise<void>>();
  /** close(), waiting for running handlers. */
  #idleWaiter: (() => void) | null = null;
  #closing = false;
  /** Set while #pump runs, so a settle inside it does not start a second loop. */
  #pumping = false;
  /** Past the grace: outcomes of handlers still running are dropped, their messages left pending. */
  #abandoned = false;
  #closed: Promise<void> | null = null;

  private constructor(
    readonly group: string,
    events: readonly EventContract[],
    private readonly handler: Handler,
    private readonly options: ResolvedOptions,
    deps: SubscriptionDeps,
  ) {
    this.#commands = deps.commands;
    this.#deadLetters = deps.deadLetters;
    this.#streams = deps.streams;
    this.#consumer = deps.consumer;
    this.#contracts = contractMap(events);
    this.#log = deps.log;
    this.#acks = new AckBatcher(deps.commands, group, deps.log);
    const { maxInFlight, ackDeadlineMs } = options;
    this.#reader = new StreamReader(
      deps.reader,
      group,
      deps.consumer,
      deps.streams,
      maxInFlight,
      {
        // Nothing is read ahead of free handlers: a message waiting in a local
        // queue ages towards its ack deadline unseen (and read-ahead measured
        // under 10% faster).
        room: () => maxInFlight - this.#held.size,
        take: (stream, entries) => this.#takeAll(stream, entries.map((entry) => [entry, 1])),
        recreateGroups: () => createGroups(this.#commands, this.#streams, this.group, deps.reads),
      },
      deps.log,
    );
    this.#sweeper = new Sweeper(
      deps.commands,
      group,
      deps.consumer,
      deps.streams,
      ackDeadlineMs,
      deps.deadConsumerIdleMs ?? deadConsumerIdleMs(ackDeadlineMs),
      {
        // Running, not held: a hung handler's own message must stay claimable.
        room: () => maxInFlight - this.#held.running,
        take: (stream, claimed: readonly Claimed[]) =>
          this.#takeAll(stream, claimed.map(({ entry, attempt }) => [entry, attempt])),
        drop: (stream, ids) => ids.forEach((id) => this.#acks.add(stream, id)),
      },
      deps.log,
    );
  }

  /** Creates the groups first, so whatever is published once this resolves is seen. */
  static async start(
    group: string,
    events: readonly EventContract[],
    handler: Handler,
    options: ResolvedOptions,
    deps: SubscriptionDeps,
  ): Promise<RedisSubscription> {
    await createGroups(deps.commands, deps.streams, group, deps.reads);
    const subscription = new RedisSubscription(group, events, handler, options, deps);
    subscription.#reader.start();
    subscription.#sweeper.start();
    return subscription;
  }

  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#closing = true;
    this.#closed = closeSubscription({
      group: this.group,
      consumer: this.#consumer,
      streams: this.#streams,
      commands: this.#commands,
      held: this.#held,
      acks: this.#acks,
      reader: this.#reader,
      sweeper: this.#sweeper,
      writes: this.#writes,
      log: this.#log,
      nextIdle: () => new Promise<void>((resolve) => this.#idleWaiter = resolve),
      abandon: () => this.#abandoned = true,
    }, options.graceMs ?? DEFAULT_CLOSE_GRACE_MS);
    return this.#closed;
  }

  // --- taking and running --------------------------------------------------

  #takeAll(stream: string, claims: ReadonlyArray<[StreamEntry, number]>): void {
    for (const [entry, attempt] of claims) this.#take(stream, entry, attempt);
    this.#pump();
  }

  #take(stream: string, entry: StreamEntry, attempt: number): void {
    // An entry deleted while pending: nothing left to deliver.
    if (entry.fields === null) this.#acks.add(stream, entry.id);
    else this.#held.take(stream, { id: entry.id, fields: entry.fields }, attempt);
  }

  /**
   * Starts queued messages while there is room; nothing new starts once
   * closing. A handler that returns at once is settled inside the loop, and
   * its settle's own call to pump finds the loop running and leaves it be.
   */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.#closing && this.#held.running < this.options.maxInFlight) {
        const held = this.#held.startNext();
        if (!held) return;
        this.#run(held);
      }
    } finally {
      this.#pumping = false;
    }
  }

  #run(held: Held): void {
    const generation = held.generation;
    const message = fieldValue(held.fields, "e");
    const delivered: Outcome | Promise<Outcome> = message === null
      ? { action: "dead", envelope: null, error: `Stream entry ${held.id} has no "e" field` }
      : deliver({
        system: "redis",
        group: this.group,
        message,
        attempt: held.attempt,
        contracts: this.#contracts,
        handler: this.handler,
        options: this.options,
      });
    if (delivered instanceof Promise) {
      delivered.then((outcome) => this.#settle(held, generation, message, outcome))
        .catch((error) => this.#log.warn(`${this.group} could not settle ${held.id}`, { error }));
      return;
    }
    try {
      this.#settle(held, generation, message, delivered);
    } catch (error) {
      this.#log.warn(`${this.group} could not settle ${held.id}`, { error });
    }
  }

  // --- outcomes ------------------------------------------------------------

  #settle(held: Held, generation: number, message: string | null, outcome: Outcome): void {
    const current = this.#held.finish(held, generation);
    if (this.#abandoned) return;
    if (!current) {
      if (outcome.action === "ack") this.#acks.add(held.stream, held.id);
      return;
    }
    switch (outcome.action) {
      case "ack":
        this.#held.release(held);
        this.#acks.add(held.stream, held.id);
        break;
      case "retry":
        held.state = "waiting";
        // Closing: no new timer; close() hands it back to the group.
        if (!this.#closing) {
          this.#retryLater(held, outcome.delayMs, outcome.delayMs, outcome.counted);
        }
        break;
      case "dead":
        this.#held.release(held);
        this.#bury(held, message ?? JSON.stringify(held.fields), outcome);
        break;
    }
    this.#pump();
    this.#freed();
  }

  #bury(held: Held, raw: string, outcome: Extract<Outcome, { action: "dead" }>): void {
    const letter = deadLetterRecord(this.group, raw, outcome, held.attempt, this.options);
    const origin = { stream: held.stream, group: this.group, id: held.id };
    const write = this.#deadLetters.bury(letter, origin).catch((error) =>
      this.#log.warn(`${this.group} could not dead-letter ${held.id}; it stays pending`, { error })
    );
    this.#writes.add(write);
    write.finally(() => this.#writes.delete(write));
  }

  #retryLater(held: Held, inMs: number, backoffMs: number, counted: boolean): void {
    const generation = held.generation;
    held.retryTimer = setTimeout(
      () => void this.#retry(held, generation, backoffMs, counted),
      inMs,
    );
  }

  /**
   * Claims the message back for its next attempt, unless someone else has it
   * by now; an uncounted retry keeps the delivery counter where it is.
   */
  async #retry(held: Held, generation: number, backoffMs: number, counted: boolean): Promise<void> {
    held.retryTimer = undefined;
    let claimed: Claimed | null;
    try {
      claimed = await claimForRetry(
        this.#commands,
        held.stream,
        this.group,
        this.#consumer,
        held.id,
        Math.max(0, backoffMs - CLOCK_SLACK_MS),
        counted ? null : held.attempt,
      );
    } catch (error) {
      if (this.#closing || !this.#held.isWaiting(held, generation)) return;
      this.#log.warn(`${this.group} could not claim ${held.id} for a retry`, { error });
      this.#retryLater(held, RECLAIM_DELAY_MS, backoffMs, counted);
      return;
    }
    // The sweep may have claimed it meanwhile; that claim is the live one.
    if (this.#closing || !this.#held.isWaiting(held, generation)) return;
    if (claimed === null) {
      this.#held.release(held);
      this.#freed();
      return;
    }
    this.#takeAll(held.stream, [[claimed.entry, claimed.attempt]]);
  }

  /** A handler finished or a message was let go: tell close() and the reader. */
  #freed(): void {
    const idle = this.#idleWaiter;
    this.#idleWaiter = null;
    idle?.();
    this.#reader.wake();
  }
}
