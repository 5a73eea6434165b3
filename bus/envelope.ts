/**
 * Building, encoding and checking envelopes.
 *
 * @module
 */
import { z } from "zod";
import type { Envelope, EventContract, PublishOptions } from "./types.ts";
import { EVENT_TYPE } from "./defaults.ts";
import { copyJson } from "../lib/json_copy.ts";

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

function nonEmpty(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/**
 * The envelope in a decoded JSON value as envelopeSchema would return it (the
 * eight fields in order, any others dropped), or null where envelopeSchema
 * would refuse it. The same verdict without zod's allocations (≈1.6 kB a
 * check, once per message per consumer); envelope_test.ts holds the two to
 * each other, and zod still words the refusal.
 */
export function envelopeFrom(json: unknown): Envelope | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const fields = json as Record<string, unknown>;
  const { id, type, source, time, data, correlation_id, causation_id, traceparent } = fields;
  if (
    !nonEmpty(id) || typeof type !== "string" || !EVENT_TYPE.test(type) || !nonEmpty(source) ||
    !nonEmpty(time) || !("data" in fields) || !nonEmpty(correlation_id) ||
    (causation_id !== null && !nonEmpty(causation_id)) ||
    (traceparent !== null && typeof traceparent !== "string")
  ) {
    return null;
  }
  return { id, type, source, time, data, correlation_id, causation_id, traceparent };
}

/** Thrown when a message cannot be handled however often it is retried. */
export class PoisonMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PoisonMessageError";
  }
}

let isoMs = NaN;
let iso = "";

/** `new Date().toISOString()`, formatted once per millisecond (it costs ≈0.5 µs). */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    iso = new Date(now).toISOString();
  }
  return iso;
}

/**
 * Which schema vouched for a data object: what createEnvelope parsed, and the
 * memory bus's exact copies of it. A consumer holding the same contract need
 * not ask the schema again (zod's parse is most of a memory-bus delivery).
 * An envelope's data is never changed after it is built. Kept on the object
 * itself, hidden (a symbol, not enumerable: JSON, copies and comparisons do
 * not see it), which costs a fraction of a WeakMap entry.
 */
const VOUCHED = Symbol("bazaar.vouched");

/** Records that `schema` parsed `data` to what it is (objects only: nothing else can keep it). */
export function vouch(data: unknown, schema: z.ZodType | undefined): void {
  if (schema && typeof data === "object" && data !== null && Object.isExtensible(data)) {
    Object.defineProperty(data, VOUCHED, { value: schema });
  }
}

/** The schema that parsed `data`, if one did. */
export function vouchedBy(data: unknown): z.ZodType | undefined {
  return typeof data === "object" && data !== null
    ? (data as { [VOUCHED]?: z.ZodType })[VOUCHED]
    : undefined;
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
  vouch(parsed, event.schema);
  const id = options.id ?? crypto.randomUUID();
  return {
    id,
    type: event.type,
    source,
    time: isoNow(),
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
  const envelope = envelopeFrom(json);
  if (envelope) return envelope;
  const result = envelopeSchema.safeParse(json);
  if (!result.success) {
    throw new PoisonMessageError(`Message is not an envelope: ${z.prettifyError(result.error)}`);
  }
  return result.data as Envelope;
}

/**
 * Checks the envelope's data against the subscriber's own copy of the
 * contract. `shared`: the envelope is kept by the adapter for other
 * deliveries, so the data is copied first — zod's output shares whatever a
 * schema passes through as is (`z.unknown()`, `z.any()`, …) with its input.
 */
export function validateData(
  envelope: Envelope,
  contracts: ReadonlyMap<string, EventContract>,
  shared = false,
): Envelope {
  const contract = contracts.get(envelope.type);
  if (!contract) {
    throw new PoisonMessageError(`No contract for event type "${envelope.type}"`);
  }
  // Kept by the adapter and parsed by this very schema: a copy is what the parse would give.
  if (shared && vouchedBy(envelope.data) === contract.schema) {
    return { ...envelope, data: copyJson(envelope.data) };
  }
  const result = contract.schema.safeParse(shared ? copyJson(envelope.data) : envelope.data);
  if (!result.success) {
    throw new PoisonMessageError(
      `Event "${envelope.type}" ${envelope.id} failed validation: ${z.prettifyError(result.error)}`,
    );
  }
  return { ...envelope, data: result.data };
}
