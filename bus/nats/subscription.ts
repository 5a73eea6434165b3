/**
 * One subscription on JetStream: a pull loop per durable (one per event type,
 * one per event type for replays to the group), sharing one in-flight limit.
 *
 * @module
 */
import type { ConsumerInfo, ConsumerMessages, JetStreamClient, JsMsg, NatsConnection } from "nats";
import { DEFAULT_CLOSE_GRACE_MS, type ResolvedOptions } from "../defaults.ts";
import { deadLetterRecord, deliver, type Outcome } from "../delivery.ts";
import type { CloseOptions, DeadLetter, EventContract, Handler, Subscription } from "../types.ts";
import type { Logger } from "../../lib/logger.ts";
import { AckBatch, settle } from "./acks.ts";
import { Semaphore } from "../../lib/async/semaphore.ts";
import { settlesWithin } from "../../lib/async/settles_within.ts";
import type { NatsNames } from "./names.ts";
import { onReconnect } from "./reconnects.ts";
import type { DurableSpec } from "./streams.ts";

/** How long a message waits before coming back when its dead letter could not be stored. */
const DEAD_LETTER_RETRY_MS = 5_000;
/** nats.js's bounds on how long a pull request lasts (its default is the upper one). */
const MIN_PULL_EXPIRES_MS = 1_000;
const MAX_PULL_EXPIRES_MS = 30_000;

function pullExpiresMs(ackDeadlineMs: number): number {
  return Math.max(MIN_PULL_EXPIRES_MS, Math.min(ackDeadlineMs, MAX_PULL_EXPIRES_MS));
}

/**
 * How often the server must show a waiting pull is alive. Two missed and
 * nats.js checks the durable and pulls again. A pull can be lost without a
 * word: on a cluster, when two members create the same new durable at once
 * (one of them then waits on a consumer that is gone), or when the
 * durable's leader dies. nats.js's default (half the pull's life, 5 s for
 * the default ack deadline) left such a member idle for 10 s; the server's
 * rule is at most half the pull's life.
 */
const MAX_IDLE_HEARTBEAT_MS = 1_000;

/** What a subscription needs from the bus that owns it. */
export interface SubscriptionContext {
  nc: NatsConnection;
  js: JetStreamClient;
  /** Creates the durable (or brings it up to date) and returns its info once it has a leader. */
  ensureDurable(spec: DurableSpec): Promise<ConsumerInfo>;
  names: NatsNames;
  log: Logger;
  /** Recreates the streams, for a server that lost them. */
  ensureStreams(): Promise<void>;
  /** Stores a dead letter; false when the broker would not take it. */
  storeDeadLetter(record: Omit<DeadLetter, "id">, msgId: string): Promise<boolean>;
}

function pauseAfterFailure(failures: number): number {
  return Math.min(250 * 2 ** Math.min(failures, 6), 10_000);
}

export class NatsSubscription implements Subscription {
  readonly #ctx: SubscriptionContext;
  readonly #contracts: ReadonlyMap<string, EventContract>;
  readonly #handler: Handler;
  readonly #options: ResolvedOptions;
  readonly #slots: Semaphore;
  readonly #acks: AckBatch;
  readonly #live = new Set<ConsumerMessages>();
  /** Consumes stopped after a reconnect, each to be replaced at once (#renewAfterReconnect). */
  readonly #renewing = new WeakSet<ConsumerMessages>();
  readonly #reconnects: { stop(): void };
  readonly #inFlight = new Set<Promise<void>>();
  readonly #pumps: Promise<void>[] = [];
  #stopping = false;
  /** Past the close grace: outcomes of handlers still running are dropped, not acked. */
  #abandoned = false;
  #wake!: () => void;
  readonly #stopped = new Promise<void>((resolve) => this.#wake = resolve);
  #closing: Promise<void> | null = null;

  private constructor(
    ctx: SubscriptionContext,
    readonly group: string,
    contracts: ReadonlyMap<string, EventContract>,
    handler: Handler,
    options: ResolvedOptions,
  ) {
    this.#ctx = ctx;
    this.#contracts = contracts;
    this.#handler = handler;
    this.#options = options;
    this.#slots = new Semaphore(options.maxInFlight);
    this.#acks = new AckBatch(ctx.log);
    this.#reconnects = onReconnect(ctx.nc, () => this.#renewAfterReconnect(), ctx.log);
  }

  /** Creates the durables first, so a subscription that cannot work fails at subscribe(). */
  static async open(
    ctx: SubscriptionContext,
    group: string,
    contracts: ReadonlyMap<string, EventContract>,
    handler: Handler,
    options: ResolvedOptions,
  ): Promise<NatsSubscription> {
    const specs: DurableSpec[] = [...contracts.keys()].flatMap((type) => [
      {
        durable: ctx.names.eventDurable(group, type),
        filterSubject: ctx.names.eventSubject(type),
        ackDeadlineMs: options.ackDeadlineMs,
      },
      {
        durable: ctx.names.directDurable(group, type),
        filterSubject: ctx.names.directSubject(group, type),
        ackDeadlineMs: options.ackDeadlineMs,
      },
    ]);
    const infos = await Promise.all(
      specs.map((spec) => ctx.ensureDurable(spec)),
    );
    const subscription = new NatsSubscription(ctx, group, contracts, handler, options);
    specs.forEach((spec, i) => subscription.#pumps.push(subscription.#pump(spec, infos[i]!)));
    return subscription;
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.graceMs ?? DEFAULT_CLOSE_GRACE_MS);
    return this.#closing;
  }

  /** Pulls from one durable until closed, starting over after any failure. */
  async #pump(spec: DurableSpec, created: ConsumerInfo): Promise<void> {
    let info: ConsumerInfo | null = created;
    let failures = 0;
    while (!this.#stopping && !this.#ctx.nc.isClosed()) {
      try {
        if (!info) {
          await this.#ctx.ensureStreams();
          info = await this.#ctx.ensureDurable(spec);
        }
        if (this.#stopping) return;
        const expires = pullExpiresMs(this.#options.ackDeadlineMs);
        const messages = await this.#ctx.js.consumers.getPullConsumerFor(info).consume({
          max_messages: this.#options.maxInFlight,
          // A pull the server still holds keeps drawing deliveries, and each
          // counts towards maxDeliver: a link that stalls (no error, no bytes)
          // must not burn a message's attempts. Pulls that expire within the
          // ack deadline let a stalled member draw at most one redelivery.
          expires,
          idle_heartbeat: Math.min(expires / 2, MAX_IDLE_HEARTBEAT_MS),
          // Ends the loop when the durable or stream is gone, so we recreate them.
          abort_on_missing_resource: true,
        });
        if (await this.#take(messages) > 0) failures = 0;
        // Stopped to start afresh, not failed: the durable is there, no pause.
        if (this.#renewing.has(messages)) continue;
      } catch (error) {
        if (this.#stopping || this.#ctx.nc.isClosed()) return;
        this.#ctx.log.warn(`Pulling ${spec.durable} failed; retrying`, { error });
      }
      info = null;
      failures++;
      await this.#pause(pauseAfterFailure(failures));
    }
  }

  /**
   * After a reconnect every consume starts over, as a new one. nats.js (2.29)
   * watches a consume's idle heartbeats to notice a pull the server never got,
   * or whose end never came back (a stalled link drops both), and pulls again.
   * It stops watching on a disconnect and starts again on the reconnect only if
   * the look at the durable it takes then succeeds; while an earlier look still
   * backs off (heartbeats missed on a stalled link, that look timed out) the
   * new one is refused and the consume goes unwatched for good. The next pull
   * lost on a link that stalls without a disconnect is then never replaced, and
   * the durable's messages wait for the next reconnect (in the chaos run, a
   * minute of order.cancelled and order.confirmed never notified). A new
   * consume watches from its start. What the old one had taken is still
   * handled; a delivery still on its way to it comes back after the ack deadline.
   */
  #renewAfterReconnect(): void {
    for (const messages of this.#live) {
      this.#renewing.add(messages);
      messages.stop();
    }
  }

  /** Hands messages to handlers as slots free up; returns how many it took. */
  async #take(messages: ConsumerMessages): Promise<number> {
    this.#live.add(messages);
    if (this.#stopping) messages.stop();
    let taken = 0;
    try {
      for await (const msg of messages) {
        taken++;
        // Waiting here (not in a buffer) is what keeps the next pull from going out.
        if (!this.#slots.tryAcquire() && !(await this.#slots.acquire())) {
          settle(msg, (m) => m.nak(), this.#ctx.log);
          continue;
        }
        if (this.#stopping) {
          this.#slots.release();
          settle(msg, (m) => m.nak(), this.#ctx.log);
          continue;
        }
        this.#start(msg);
      }
    } finally {
      this.#live.delete(messages);
    }
    return taken;
  }

  /** Runs one message in its slot; a handler that returns at once is settled at once. */
  #start(msg: JsMsg): void {
    let work: void | Promise<void> = undefined;
    try {
      work = this.#handle(msg);
    } catch (error) {
      this.#ctx.log.warn(`Handling message ${msg.seq} failed`, { error });
    }
    if (!(work instanceof Promise)) {
      this.#slots.release();
      return;
    }
    const tracked: Promise<void> = work
      .catch((error) => this.#ctx.log.warn(`Handling message ${msg.seq} failed`, { error }))
      .finally(() => {
        this.#slots.release();
        this.#inFlight.delete(tracked);
      });
    this.#inFlight.add(tracked);
  }

  #handle(msg: JsMsg): void | Promise<void> {
    const attempt = msg.info.deliveryCount;
    const message = msg.string();
    const outcome = deliver({
      system: "nats",
      group: this.group,
      message,
      attempt,
      contracts: this.#contracts,
      handler: this.#handler,
      options: this.#options,
    });
    if (outcome instanceof Promise) {
      return outcome.then((settled) => this.#conclude(msg, message, attempt, settled));
    }
    return this.#conclude(msg, message, attempt, outcome);
  }

  #conclude(msg: JsMsg, message: string, attempt: number, outcome: Outcome): void | Promise<void> {
    if (this.#abandoned) return;
    switch (outcome.action) {
      case "ack":
        return this.#acks.add(msg);
      case "retry":
        if (!outcome.counted) return this.#again(msg, outcome.delayMs);
        return settle(msg, (m) => m.nak(outcome.delayMs), this.#ctx.log);
      case "dead":
        return this.#deadLetter(msg, message, attempt, outcome);
    }
  }

  /**
   * Runs the message again in its slot after `delayMs`, as the same delivery:
   * a nak would count one more (JetStream's delivery count is the attempt).
   * `working()` keeps ack_wait from running out meanwhile; a subscription
   * that stops first hands the message back.
   */
  async #again(msg: JsMsg, delayMs: number): Promise<void> {
    settle(msg, (m) => m.working(), this.#ctx.log);
    await this.#pause(delayMs);
    if (this.#abandoned) return;
    if (this.#stopping) return settle(msg, (m) => m.nak(), this.#ctx.log);
    settle(msg, (m) => m.working(), this.#ctx.log);
    await this.#handle(msg);
  }

  async #deadLetter(
    msg: JsMsg,
    message: string,
    attempt: number,
    outcome: Extract<Outcome, { action: "dead" }>,
  ): Promise<void> {
    const record = deadLetterRecord(this.group, message, outcome, attempt, this.#options);
    // Keyed by stream sequence, so a letter stored twice (term lost, message back) is deduplicated.
    const msgId = `dead:${this.group}:${msg.info.stream}:${msg.seq}`;
    const stored = await this.#ctx.storeDeadLetter(record, msgId);
    if (this.#abandoned) return;
    if (stored) settle(msg, (m) => m.term(), this.#ctx.log);
    else settle(msg, (m) => m.nak(DEAD_LETTER_RETRY_MS), this.#ctx.log);
  }

  /** Waits `ms`, or less when the subscription stops first. */
  async #pause(ms: number): Promise<void> {
    await settlesWithin(this.#stopped, ms);
  }

  async #shutdown(graceMs: number): Promise<void> {
    this.#stopping = true;
    this.#reconnects.stop();
    this.#wake();
    this.#slots.abort();
    // Buffered, unstarted messages are nak'd by #take on the way out: handed back at once.
    for (const messages of this.#live) messages.stop();
    const finished = await settlesWithin(Promise.all([...this.#pumps, ...this.#inFlight]), graceMs);
    // Acks of handlers that ended (abandoned ones never get one): out before the connection goes.
    this.#acks.flush();
    if (!finished) {
      // As if the process had died: no ack, JetStream redelivers after ack_wait.
      this.#abandoned = true;
      if (this.#inFlight.size > 0) {
        this.#ctx.log.warn(
          `Closing ${this.group}: abandoned ${this.#inFlight.size} message(s) still in flight ` +
            `after ${graceMs} ms`,
        );
      }
    }
  }
}
