/**
 * The bus contract every adapter implements: memory, Redis Streams, NATS JetStream.
 *
 * Delivery is at least once. Subscriptions with the same group compete for
 * messages; different groups each get every message (fan-out). A handler that
 * throws is retried with backoff; after `maxDeliver` attempts the message is
 * moved to the dead-letter store, from which it can be listed and replayed to
 * the group that failed it.
 *
 * @module
 */
import type { z } from "zod";

/** An event's published contract: its type name and the zod schema of its `data`. */
export interface EventContract<
  T extends string = string,
  S extends z.ZodType = z.ZodType,
> {
  readonly type: T;
  readonly schema: S;
}

/** Declares an event contract; modules export these from their `events.ts`. */
export function defineEvent<T extends string, S extends z.ZodType>(
  type: T,
  schema: S,
): EventContract<T, S> {
  return { type, schema };
}

/** The payload type of a contract. */
export type EventData<C extends EventContract> = z.output<C["schema"]>;

/** What travels on the bus (SPEC "The bus"). */
export interface Envelope<D = unknown> {
  id: string;
  type: string;
  source: string;
  time: string;
  data: D;
  correlation_id: string;
  causation_id: string | null;
  traceparent: string | null;
}

/** Options for `publish`: ids that tie an event to the work that caused it. */
export interface PublishOptions {
  /** The envelope id; give one to make a re-publish deduplicate. */
  id?: string;
  /** Defaults to the envelope id (a new conversation). */
  correlationId?: string;
  /** The id of the envelope whose handling caused this one. */
  causationId?: string | null;
}

/** What a handler learns besides the envelope. */
export interface DeliveryInfo {
  /** 1 on the first delivery, then 2, 3, … */
  attempt: number;
  group: string;
}

export type Handler<D = unknown> = (
  envelope: Envelope<D>,
  info: DeliveryInfo,
) => Promise<void> | void;

export interface SubscribeOptions {
  /** How many messages one subscription handles at once. */
  maxInFlight?: number;
  /** Attempts before a message is dead-lettered. */
  maxDeliver?: number;
  /** A message unacknowledged this long (ms) is redelivered, possibly elsewhere in the group. */
  ackDeadlineMs?: number;
  /** Delay (ms) before retry `attempt` (1-based count of failures so far). */
  backoff?: (attempt: number) => number;
}

export interface CloseOptions {
  /**
   * How long (ms) in-flight handlers may run on after close() is called. Past
   * it their messages are abandoned unacknowledged, as if the process had died,
   * and the group gets them again after the ack deadline.
   */
  graceMs?: number;
}

export interface Subscription {
  readonly group: string;
  /** Stops taking messages and lets in-flight handlers finish (within the grace). */
  close(options?: CloseOptions): Promise<void>;
}

/** One dead-lettered message, with why it died. */
export interface DeadLetter {
  /** The dead letter's own id in the store (not the envelope id). */
  id: string;
  group: string;
  /** The envelope, or the raw text when it could not be parsed. */
  envelope: Envelope | null;
  raw: string | null;
  error: string;
  attempts: number;
  at: string;
}

export interface DeadLetterStore {
  list(group?: string, limit?: number): Promise<DeadLetter[]>;
  /** Sends one dead letter back to its group and removes it; false when unknown or unparsable. */
  replay(id: string): Promise<boolean>;
  /** Replays every dead letter (of one group, or all); returns how many went back. */
  replayAll(group?: string): Promise<number>;
}

/** How far behind a consumer group is, for metrics. */
export interface Backlog {
  /** Messages delivered to the group (held, retrying, or back for redelivery) and not yet acked. */
  pending: number;
  /**
   * Retained messages not yet delivered to the group, summed over the event
   * types it reads (and replays sent back to it); 0 where the broker cannot tell.
   */
  lag: number;
}

export interface Bus {
  /** The adapter's name: `memory`, `redis` or `nats`. */
  readonly kind: string;
  /** Validates `data` against the contract, wraps it in an envelope and publishes it. */
  publish<C extends EventContract>(
    event: C,
    data: z.input<C["schema"]>,
    options?: PublishOptions,
  ): Promise<Envelope<EventData<C>>>;
  /** Publishes an envelope built earlier (an outbox relay); its id deduplicates where the broker can. */
  publishEnvelope(envelope: Envelope): Promise<void>;
  subscribe(
    group: string,
    events: readonly EventContract[],
    handler: Handler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  readonly deadLetters: DeadLetterStore;
  /**
   * The backlog of `group` as the broker sees it, across every process of
   * the group; both 0 for a group the broker does not know.
   */
  backlog(group: string): Promise<Backlog>;
  /** Resolves when the broker answers; throws otherwise. */
  ping(): Promise<void>;
  /** Closes every subscription (in-flight handlers finish, within the grace) and the connections. */
  close(options?: CloseOptions): Promise<void>;
}
