/**
 * What the in-memory broker stores: each envelope as a Redis or NATS consumer
 * would decode it, made once at publish and never handed out.
 *
 * At publish the envelope goes through a JSON round trip (jsonSnapshot: the
 * same result as `JSON.parse(JSON.stringify(envelope))`, without the text for
 * plain data) and the envelope check consumers make; each delivery then gets
 * its own deep copy of the data (deliver() with an envelope message). So:
 * - consumers see exactly what Redis and NATS consumers see (a Date becomes a
 *   string, `undefined` disappears, a BigInt or a cycle is refused at publish,
 *   a broken envelope is dead-lettered raw);
 * - the publisher's objects are never frozen or aliased behind its back, and
 *   no handler sees another's (or its own earlier attempt's) mutations;
 * - nothing is encoded or decoded per delivery: a copy of a small envelope's
 *   data costs ≈0.1 µs where `JSON.parse` plus the envelope check cost ≈0.65;
 * - data that the publisher's contract parsed and that the round trip left
 *   as it was is not parsed again by a consumer holding the same contract
 *   (`vouch`): the one schema would give the same answer twice.
 * An envelope that fails the check is kept as its JSON text, which each
 * delivery decodes and dead-letters as the other adapters would; text
 * injected by a test as a broken publisher's takes the same path.
 *
 * @module
 */
import { jsonSnapshot } from "../../lib/json_copy.ts";
import { envelopeFrom, vouch, vouchedBy } from "../envelope.ts";
import type { Envelope } from "../types.ts";

/** A checked envelope (treat as immutable), or raw text that may not be one. */
export type Message = Envelope | string;

/** Reused by every toWire(): whether its snapshot equalled the data. */
const snapshot = { exact: false };

/** Throws at the publisher (a cycle, a BigInt), as a real adapter's encode would. */
export function toWire(envelope: Envelope): Message {
  if (
    Object.getPrototypeOf(envelope) === Object.prototype &&
    typeof (envelope as { toJSON?: unknown }).toJSON !== "function"
  ) {
    // JSON would write this object's own enumerable fields, which is what a spread copies;
    // fields that pass the check are strings or null, which JSON carries unchanged.
    const checked = envelopeFrom({ ...envelope });
    if (checked) {
      const data = jsonSnapshot(checked.data, snapshot);
      // Undefined: JSON would drop the field, and the envelope check refuse it.
      if (data !== undefined) {
        // The copy is what the publisher's schema parsed, so it vouches for the copy too.
        if (snapshot.exact) vouch(data, vouchedBy(checked.data));
        checked.data = data;
        return checked;
      }
    }
  }
  const decoded = jsonSnapshot(envelope);
  return envelopeFrom(decoded) ?? JSON.stringify(decoded);
}
