/**
 * One subscription: a member of a consumer group per event type it asked
 * for, running at most `maxInFlight` handlers at once across them.
 *
 * @module
 */
import { settlesWithin } from "../../lib/async/settles_within.ts";
import { DEFAULT_CLOSE_GRACE_MS, type ResolvedOptions } from "../defaults.ts";
import { deliver, type DeliveryRequest, type Outcome } from "../delivery.ts";
import type { CloseOptions, EventContract, Handler, Subscription } from "../types.ts";
import type { Broker } from "./broker.ts";
import type { ConsumerGroup, Pending } from "./consumer_group.ts";
import type { Message } from "./wire.ts";

/**
 * `abandoned`: closed while handlers still ran past the grace. Their outcomes
 * are ignored and their messages stay pending until the ack deadline hands
 * them to another member, exactly as if this process had died.
 */
type State = "open" | "closing" | "closed" | "abandoned";

export class Member implements Subscription {
  #state: State = "open";
  #inFlight = 0;
  readonly #groups: ConsumerGroup[];
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  #nextGroup = 0;
  readonly #request: DeliveryRequest;

  constructor(
    readonly group: string,
    private readonly broker: Broker,
    private readonly contracts: ReadonlyMap<string, EventContract>,
    private readonly handler: Handler,
    private readonly options: ResolvedOptions,
  ) {
    this.#groups = [...contracts.keys()].map((type) => broker.consumerGroup(type, group));
    this.#request = {
      system: "memory",
      group,
      message: "",
      attempt: 0,
      contracts,
      handler,
      options,
    };
  }

  /** Starts taking messages. */
  join(): void {
    for (const group of this.#groups) group.join(this);
  }

  hasRoom(): boolean {
    return this.#state === "open" && this.#inFlight < this.options.maxInFlight;
  }

  /**
   * Runs one delivery. Called from a group's dispatch loop: a handler that
   * returns at once is concluded here and the loop goes on (no refill, and no
   * ack deadline to keep: nothing else runs meanwhile). One that returns a
   * promise is held — its ack deadline runs from then — and settled when the
   * promise does, which then refills.
   */
  take(group: ConsumerGroup, message: Message, attempt: number): void {
    this.#inFlight++;
    // One request object per member, refilled: deliver() reads it before anything can re-enter.
    const request = this.#request;
    request.message = message;
    request.attempt = attempt;
    const outcome = deliver(request);
    if (outcome instanceof Promise) {
      const pending = group.hold(message, attempt, this.options.ackDeadlineMs);
      outcome.then((settled) => this.#settle(group, pending, settled));
      return;
    }
    this.#inFlight--;
    if (this.#state === "abandoned") {
      // The handler closed its own subscription with no grace: as for any
      // abandoned message, the group gets it again after the ack deadline.
      group.hold(message, attempt, this.options.ackDeadlineMs);
      return;
    }
    group.conclude(message, attempt, outcome, this.options);
    if (this.#state !== "open" && this.#inFlight === 0) this.#drained?.();
  }

  close(options: CloseOptions = {}): Promise<void> {
    return this.#closing ??= this.#shutDown(options.graceMs ?? DEFAULT_CLOSE_GRACE_MS);
  }

  async #shutDown(graceMs: number): Promise<void> {
    this.#state = "closing";
    for (const group of this.#groups) group.leave(this);
    if (this.#inFlight > 0 && graceMs > 0) {
      await settlesWithin(new Promise<void>((resolve) => this.#drained = resolve), graceMs);
    }
    this.#state = this.#inFlight > 0 ? "abandoned" : "closed";
  }

  #settle(group: ConsumerGroup, pending: Pending, outcome: Outcome): void {
    this.#inFlight--;
    if (this.#state === "abandoned") return;
    group.settle(pending, outcome, this.options);
    if (this.#state === "open") {
      this.#refill();
    } else if (this.#inFlight === 0) {
      this.#drained?.();
    }
  }

  /**
   * A slot is free: dispatch at once rather than through the broker's pump
   * (we run in a promise reaction, never inside a dispatch). The group asked
   * first rotates, so a busy event type cannot starve the others.
   */
  #refill(): void {
    const groups = this.#groups;
    for (let i = 0; i < groups.length && this.hasRoom(); i++) {
      const group = groups[(this.#nextGroup + i) % groups.length]!;
      if (group.hasWork()) group.dispatch();
    }
    this.#nextGroup = (this.#nextGroup + 1) % groups.length;
  }
}
