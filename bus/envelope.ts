/**
 * Building, encoding and checking envelopes.
 *
 * @module
 */
import { z } from "zod";
import type { Envelope, EventContract, PublishOptions } from "./types.ts";
import { EVENT_TYPE } from "./defaults.ts";

export const envelopeSchema = z.object({
  id: z.string().min(1),
  type: z.string().regex(EVENT_TYPE),
  source: z.string().min(1),
  time: z.string().min(1),
  data: z.unknown(),
  correlation_id: z.string().min(1),
  causation_id: z.string().min(1).nullable(),
  traceparent: z.string().nullable(),
});

/** Thrown when a message cannot be handled however often it is retried. */
export class PoisonMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PoisonMessageError";
  }
}

/** Validates `data` against the contract and wraps it; throws a ZodError on bad data. */
export function createEnvelope<C extends EventContract>(
  source: string,
  event: C,
  data: unknown,
  options: PublishOptions = {},
  traceparent: string | null = null,
): Envelope<z.output<C["schema"]>> {
  const parsed = event.schema.parse(data) as z.output<C["schema"]>;
  const id = options.id ?? crypto.randomUUID();
  return {
    id,
    type: event.type,
    source,
    time: new Date().toISOString(),
    data: parsed,
    correlation_id: options.correlationId ?? id,
    causation_id: options.causationId ?? null,
    traceparent,
  };
}

export function encodeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope);
}

/** Parses raw text into an envelope; throws PoisonMessageError when it is not one. */
export function decodeEnvelope(raw: string): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new PoisonMessageError(`Message is not JSON: ${JSON.stringify(raw.slice(0, 80))}`);
  }
  const result = envelopeSchema.safeParse(json);
  if (!result.success) {
    throw new PoisonMessageError(`Message is not an envelope: ${z.prettifyError(result.error)}`);
  }
  return result.data as Envelope;
}

/** Checks the envelope's data against the subscriber's own copy of the contract. */
export function validateData(
  envelope: Envelope,
  contracts: ReadonlyMap<string, EventContract>,
): Envelope {
  const contract = contracts.get(envelope.type);
  if (!contract) {
    throw new PoisonMessageError(`No contract for event type "${envelope.type}"`);
  }
  const result = contract.schema.safeParse(envelope.data);
  if (!result.success) {
    throw new PoisonMessageError(
      `Event "${envelope.type}" ${envelope.id} failed validation: ${z.prettifyError(result.error)}`,
    );
  }
  return { ...envelope, data: result.data };
}
