/**
 * A bus that can hold back the handling of chosen event types until released,
 * so a test can stop a saga at a known step (e.g. "paid, not yet committed").
 * Everything else passes straight through to the real bus.
 *
 * @module
 */
import type { Bus, Handler } from "../bus/types.ts";

export interface Gates {
  bus: Bus;
  /** Holds handlers of `type` from now on; the returned function lets them (and later ones) run. */
  hold(type: string): () => void;
}

export function gatedBus(inner: Bus): Gates {
  const held = new Map<string, Promise<void>>();
  const bus: Bus = {
    kind: inner.kind,
    deadLetters: inner.deadLetters,
    publish: (event, data, options) => inner.publish(event, data, options),
    publishEnvelope: (envelope) => inner.publishEnvelope(envelope),
    backlog: (group) => inner.backlog(group),
    subscribe: (group, events, handler: Handler, options) =>
      inner.subscribe(group, events, async (envelope, info) => {
        await held.get(envelope.type);
        return handler(envelope, info);
      }, options),
    ping: () => inner.ping(),
    close: (options) => inner.close(options),
  };
  return {
    bus,
    hold(type) {
      let release!: () => void;
      held.set(type, new Promise((resolve) => release = resolve));
      return () => {
        held.delete(type);
        release();
      };
    },
  };
}
