/**
 * One delivery of one message, the same for every adapter: decode, validate
 * against the subscriber's contracts, run the handler inside a consumer span,
 * and say what the adapter must do next (ack, retry later, or dead-letter).
 *
 * @module
 */
import { brokerTrouble } from "../lib/broker_errors.ts";
import type { ResolvedOptions } from "./defaults.ts";
import { decodeEnvelope, PoisonMessageError, validateData } from "./envelope.ts";
import { runConsumer } from "./tracing.ts";
import type { DeadLetter, Envelope, EventContract, Handler } from "./types.ts";

export type Outcome =
  | { action: "ack" }
  | {
    action: "retry";
    envelope: Envelope;
    error: string;
    delayMs: number;
    /**
     * False when the handler met a broker in trouble (a store's Redis down,
     * stalled or failing over): not the message's fault, so the next delivery
     * is the same attempt again and an outage longer than the backoff series
     * cannot dead-letter it.
     */
    counted: boolean;
  }
  | { action: "dead"; envelope: Envelope | null; error: string };

export interface DeliveryRequest {
  system: string;
  group: string;
  /**
   * The message as it came off the wire (text), or an envelope the adapter
   * already decoded and checked and keeps (the memory bus): it is never
   * handed out, each delivery gets its own copy.
   */
  message: string | Envelope;
  /** 1-based: how many times this message has now been delivered to the group. */
  attempt: number;
  contracts: ReadonlyMap<string, EventContract>;
  handler: Handler;
  options: ResolvedOptions;
}

export function contractMap(events: readonly EventContract[]): Map<string, EventContract> {
  return new Map(events.map((event) => [event.type, event]));
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * How long a message whose handler met broker trouble waits before it runs
 * again: long enough not to spin through an outage, short enough that the
 * saga goes on about a second after the broker is back.
 */
export const BROKER_TROUBLE_RETRY_MS = 1_000;

/**
 * What a failure means: a message that can never be handled dies, one whose
 * handler met broker trouble runs again (uncounted) until the broker is back,
 * others retry until maxDeliver.
 */
function failed(
  envelope: Envelope | null,
  error: unknown,
  attempt: number,
  options: ResolvedOptions,
): Outcome {
  if (error instanceof PoisonMessageError || envelope === null) {
    return { action: "dead", envelope, error: describe(error) };
  }
  if (brokerTrouble(error) !== null) {
    return {
      action: "retry",
      envelope,
      error: describe(error),
      delayMs: BROKER_TROUBLE_RETRY_MS,
      counted: false,
    };
  }
  if (attempt >= options.maxDeliver) return { action: "dead", envelope, error: describe(error) };
  return {
    action: "retry",
    envelope,
    error: describe(error),
    delayMs: options.backoff(attempt),
    counted: true,
  };
}

/** One for every ack: nothing in it varies, and deliveries are many. */
const ACKED: Outcome = Object.freeze({ action: "ack" });

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

/**
 * Never throws: every failure becomes an outcome. The outcome is synchronous
 * when the handler is (no promise, no microtask per message): callers must
 * accept both.
 */
export function deliver(request: DeliveryRequest): Outcome | Promise<Outcome> {
  const { system, group, message, attempt, contracts, handler, options } = request;
  let envelope: Envelope | null = null;
  let result: unknown;
  try {
    let checked: Envelope;
    if (typeof message === "string") {
      envelope = decodeEnvelope(message);
      checked = validateData(envelope, contracts);
    } else {
      envelope = message;
      checked = validateData(envelope, contracts, true);
    }
    if (attempt > options.maxDeliver) {
      return {
        action: "dead",
        envelope,
        error: `Delivered ${attempt - 1} times without an ack (max ${options.maxDeliver})`,
      };
    }
    result = runConsumer(system, group, checked, handler, { attempt, group });
  } catch (error) {
    return failed(envelope, error, attempt, options);
  }
  if (!isThenable(result)) return ACKED;
  return Promise.resolve(result).then(
    () => ACKED,
    (error: unknown) => failed(envelope, error, attempt, options),
  );
}

/**
 * The dead-letter record every adapter stores (its `id` is given by the
 * store), for a message dead on its `attempt`th delivery.
 */
export function deadLetterRecord(
  group: string,
  message: string | Envelope,
  outcome: Extract<Outcome, { action: "dead" }>,
  attempt: number,
  options: Pick<ResolvedOptions, "maxDeliver">,
): Omit<DeadLetter, "id"> {
  // Past maxDeliver, deliver() refused without running the handler: count only the runs.
  const attempts = attempt > options.maxDeliver ? attempt - 1 : attempt;
  return {
    group,
    envelope: outcome.envelope,
    raw: outcome.envelope ? null : (typeof message === "string" ? message : null),
    error: outcome.error,
    attempts,
    at: new Date().toISOString(),
  };
}
