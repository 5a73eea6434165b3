/**
 * One delivery of one message, the same for every adapter: decode, validate
 * against the subscriber's contracts, run the handler inside a consumer span,
 * and say what the adapter must do next (ack, retry later, or dead-letter).
 *
 * @module
 */
import type { ResolvedOptions } from "./defaults.ts";
import { decodeEnvelope, PoisonMessageError, validateData } from "./envelope.ts";
import { withConsumeSpan } from "./tracing.ts";
import type { DeadLetter, Envelope, EventContract, Handler } from "./types.ts";

export type Outcome =
  | { action: "ack"; envelope: Envelope }
  | { action: "retry"; envelope: Envelope; error: string; delayMs: number }
  | { action: "dead"; envelope: Envelope | null; error: string };

export interface DeliveryRequest {
  system: string;
  group: string;
  /** The message as it came off the wire (text), or an envelope the adapter already holds. */
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

/** Never throws: every failure becomes an outcome. */
export async function deliver(request: DeliveryRequest): Promise<Outcome> {
  const { system, group, message, attempt, contracts, handler, options } = request;
  let envelope: Envelope | null = null;
  try {
    envelope = typeof message === "string" ? decodeEnvelope(message) : message;
    const checked = validateData(envelope, contracts);
    if (attempt > options.maxDeliver) {
      return {
        action: "dead",
        envelope,
        error: `Delivered ${attempt - 1} times without an ack (max ${options.maxDeliver})`,
      };
    }
    await withConsumeSpan(
      system,
      group,
      checked,
      () => Promise.resolve(handler(checked, { attempt, group })),
    );
    return { action: "ack", envelope };
  } catch (error) {
    if (error instanceof PoisonMessageError || envelope === null) {
      return { action: "dead", envelope, error: describe(error) };
    }
    if (attempt >= options.maxDeliver) {
      return { action: "dead", envelope, error: describe(error) };
    }
    return {
      action: "retry",
      envelope,
      error: describe(error),
      delayMs: options.backoff(attempt),
    };
  }
}

/** The dead-letter record every adapter stores (its `id` is given by the store). */
export function deadLetterRecord(
  group: string,
  message: string | Envelope,
  outcome: Extract<Outcome, { action: "dead" }>,
  attempts: number,
): Omit<DeadLetter, "id"> {
  return {
    group,
    envelope: outcome.envelope,
    raw: outcome.envelope ? null : (typeof message === "string" ? message : null),
    error: outcome.error,
    attempts,
    at: new Date().toISOString(),
  };
}
