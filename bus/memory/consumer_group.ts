/**
 * One group's consumption of one event type's log — a Redis consumer group on
 * a stream, a JetStream durable consumer on a subject. Members of the group
 * (on any bus instance of the broker) share its cursor, its redelivery queue
 * and its pending messages; each message goes to one member.
 *
 * @module
 */
import type { ResolvedOptions } from "../defaults.ts";
import type { Backlog } from "../types.ts";
import { deadLetterRecord, type Outcome } from "../delivery.ts";
import type { Broker } from "./broker.ts";
import { Log } from "./log.ts";
import type { Member } from "./member.ts";
import type { Message } from "./wire.ts";

/** A message handed to a member and not yet settled. */
export interface Pending {
  readonly message: Message;
  readonly attempt: number;
  /** performance.now() after which the group gives the message to someone else. */
  readonly deadline: number;
  /** Null once settled or taken back, so a late outcome can tell it has lost the message. */
  lane: Lane | null;
  prev: Pending | null;
  next: Pending | null;
}

/**
 * Pending messages that share one ack deadline, in delivery order — hence in
 * deadline order, so the sweep only looks at the head. A linked list, so a
 * settled message leaves in O(1) wherever it is and a hung one at the head
 * does not make the list grow behind it.
 */
class Lane {
  head: Pending | null = null;
  tail: Pending | null = null;
  size = 0;

  append(pending: Pending): void {
    this.size++;
    pending.lane = this;
    pending.prev = this.tail;
    if (this.tail) this.tail.next = pending;
    else this.head = pending;
    this.tail = pending;
  }

  remove(pending: Pending): void {
    this.size--;
    if (pending.prev) pending.prev.next = pending.next;
    else this.head = pending.next;
    if (pending.next) pending.next.prev = pending.prev;
    else this.tail = pending.prev;
    pending.lane = pending.prev = pending.next = null;
  }
}

/** Messages one dispatch hands out before the group yields its turn. */
const DISPATCH_TURN = 256;

interface Redelivery {
  message: Message;
  attempt: number;
}

export class ConsumerGroup {
  /** Set while the group waits in the broker's pump list. */
  scheduled = false;
  /** Next log position to deliver; a new group starts at the oldest retained message. */
  #cursor: number;
  /** Retries that came due, messages past their ack deadline, replays: before new ones. */
  readonly #redeliveries = new Log<Redelivery>();
  readonly #members: Member[] = [];
  #nextMember = 0;
  /** Keyed by ack deadline (ms); almost always one lane. */
  readonly #lanes = new Map<number, Lane>();

  constructor(
    readonly name: string,
    /** The event type whose log this group reads. */
    readonly type: string,
    private readonly log: Log<Message>,
    private readonly broker: Broker,
  ) {
    this.#cursor = log.first;
  }

  join(member: Member): void {
    this.#members.push(member);
    this.broker.schedule(this);
  }

  leave(member: Member): void {
    const index = this.#members.indexOf(member);
    if (index >= 0) this.#members.splice(index, 1);
  }

  /** Log position of the next message to deliver: every earlier one has been taken. */
  get cursor(): number {
    return this.#cursor;
  }

  hasWork(): boolean {
    return this.#redeliveries.length > 0 || this.#cursor < this.log.end;
  }

  /**
   * Hands out messages while there are some and a member has room. Handlers
   * that return at once leave their member room for the next, so a turn is
   * bounded: past DISPATCH_TURN messages the group queues for the broker's
   * next pump, and other groups (and the publishers) get theirs in between.
   */
  dispatch(): void {
    for (let turn = 0; this.hasWork(); turn++) {
      if (turn === DISPATCH_TURN) {
        this.broker.schedule(this);
        return;
      }
      const member = this.#memberWithRoom();
      if (!member) return;
      const redelivery = this.#redeliveries.shift();
      if (redelivery) {
        member.take(this, redelivery.message, redelivery.attempt);
      } else {
        // Retention may have trimmed what this group had not read yet.
        if (this.#cursor < this.log.first) this.#cursor = this.log.first;
        member.take(this, this.log.at(this.#cursor++), 1);
      }
    }
  }

  /** Records that a member holds a message, until it settles or its deadline passes. */
  hold(message: Message, attempt: number, ackDeadlineMs: number): Pending {
    const deadline = performance.now() + ackDeadlineMs;
    const pending: Pending = { message, attempt, deadline, lane: null, prev: null, next: null };
    let lane = this.#lanes.get(ackDeadlineMs);
    if (!lane) this.#lanes.set(ackDeadlineMs, lane = new Lane());
    lane.append(pending);
    this.broker.wakeAt(deadline);
    return pending;
  }

  /**
   * Does what a delivery's outcome says. Ignored when the message was taken
   * back meanwhile (its deadline passed): it is someone else's now, and a late
   * ack must not cancel, nor a late failure duplicate, that delivery.
   */
  settle(pending: Pending, outcome: Outcome, options: ResolvedOptions): void {
    if (!pending.lane) return;
    pending.lane.remove(pending);
    this.conclude(pending.message, pending.attempt, outcome, options);
  }

  /** Does what the outcome of a delivery that was never held (it ended at once) says. */
  conclude(message: Message, attempt: number, outcome: Outcome, options: ResolvedOptions): void {
    if (outcome.action === "retry") {
      const next = outcome.counted ? attempt + 1 : attempt;
      this.broker.retryLater(this, message, next, outcome.delayMs);
    } else if (outcome.action === "dead") {
      this.broker.deadLetter(
        this.type,
        deadLetterRecord(this.name, message, outcome, attempt, options),
      );
    }
  }

  redeliver(message: Message, attempt: number): void {
    this.#redeliveries.append({ message, attempt });
    this.broker.schedule(this);
  }

  /**
   * Pending: held by a member, or back in the queue after a failure or a
   * missed deadline (not counting retries still backing off: the broker holds
   * those). Lag: the log not yet read, and replays not yet handed out.
   */
  backlog(): Backlog {
    let pending = 0;
    for (const lane of this.#lanes.values()) pending += lane.size;
    let lag = this.log.end - Math.max(this.#cursor, this.log.first);
    for (const { attempt } of this.#redeliveries.values()) {
      if (attempt === 1) lag++;
      else pending++;
    }
    return { pending, lag };
  }

  /** Takes back every message held past its deadline; returns the next deadline. */
  reclaimOverdue(now: number): number {
    let next = Infinity;
    for (const lane of this.#lanes.values()) {
      let head = lane.head;
      while (head && head.deadline <= now) {
        lane.remove(head);
        this.redeliver(head.message, head.attempt + 1);
        head = lane.head;
      }
      if (head && head.deadline < next) next = head.deadline;
    }
    return next;
  }

  /** Round robin, so members of a group share the work rather than the first taking all. */
  #memberWithRoom(): Member | undefined {
    const members = this.#members;
    const count = members.length;
    for (let i = 0; i < count; i++) {
      const index = (this.#nextMember + i) % count;
      const member = members[index]!;
      if (member.hasRoom()) {
        this.#nextMember = (index + 1) % count;
        return member;
      }
    }
    return undefined;
  }
}
