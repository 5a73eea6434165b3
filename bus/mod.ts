/**
 * The bus as modules see it: the `Bus` contract and its types, `defineEvent`
 * for a module's published events, the envelope every event travels in, and
 * the tracing hooks that carry one trace across processes (what an outbox
 * needs to publish later as a child of the write). Modules import `bus/` only
 * through this file (the architecture test holds them to it).
 *
 * Not here, on purpose: the adapters and `createBus` (bus/factory.ts), which
 * only the process that wires a system together needs, and the defaults and
 * names the adapters share (bus/defaults.ts).
 *
 * @module
 */
// Every type of the contract: Bus, Envelope, EventContract, Handler, Subscription, DeadLetter, …
export type * from "./types.ts";
export { defineEvent } from "./types.ts";
export { createEnvelope, decodeEnvelope, encodeEnvelope, PoisonMessageError } from "./envelope.ts";
export { traceparentOf, tracingOff, withPublishSpan } from "./tracing.ts";
