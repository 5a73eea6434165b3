/**
 * What the in-memory broker stores: the text a real broker would carry.
 *
 * Every envelope is JSON-encoded once at publish, and each delivery decodes
 * its own copy (deliver() takes the text). That is how handlers of different
 * groups are kept from seeing each other's mutations, and it was chosen over
 * sharing one deep-frozen envelope because:
 * - consumers see exactly what Redis and NATS consumers see (a Date becomes a
 *   string, `undefined` disappears, a broken envelope is dead-lettered raw),
 *   so the embedded default cannot hide a bug that production would show;
 * - the publisher's objects are never frozen or aliased behind its back;
 * - a retained log of flat strings costs the garbage collector far less than
 *   one of object graphs (measured: ~30% of CPU in GC with frozen envelopes).
 * The price is one JSON.parse plus the envelope check per delivery, about a
 * microsecond; a frozen shared envelope would be faster but less faithful.
 *
 * @module
 */
import { encodeEnvelope } from "../envelope.ts";
import type { Envelope } from "../types.ts";

/** An envelope as JSON text, or raw text injected by a test as a broken publisher. */
export type Message = string;

/** Throws at the publisher (a cycle, a BigInt), as a real adapter's encode would. */
export function toWire(envelope: Envelope): Message {
  return encodeEnvelope(envelope);
}
