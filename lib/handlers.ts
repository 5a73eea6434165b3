/**
 * The shape of every module's `handlers.ts`: a table of the events the module
 * subscribes to, one `on(contract, handle)` row each, handing the parsed event
 * straight to the module's use cases. The table is the subscription: its
 * events are what the module's consumer group asks the bus for.
 *
 * @module
 */
import type { Envelope, EventContract, EventData, Handler } from "../bus/types.ts";
import type { Logger } from "./logger.ts";

/** What a row's `handle` gets besides the event's data. */
export interface HandlerContext<S, D = unknown> {
  /** The module's use cases. */
  service: S;
  /** The envelope that carried the event, for causation and correlation. */
  envelope: Envelope<D>;
  log: Logger;
}

/** One row: an event the module subscribes to and what it does with it. */
export interface HandlerRow<S> {
  readonly event: EventContract;
  handle(data: unknown, context: HandlerContext<S>): Promise<void>;
}

/** A module's subscriptions, one row per event type. */
export type HandlerTable<S> = readonly HandlerRow<S>[];

/**
 * A row of the table. The bus has already validated the data against this
 * very contract (the table's events are what the group subscribes to), so
 * `handle` gets it as parsed, not parsed a second time.
 */
export function on<S, C extends EventContract>(
  event: C,
  handle: (data: EventData<C>, context: HandlerContext<S, EventData<C>>) => Promise<unknown>,
): HandlerRow<S> {
  return {
    event,
    handle: async (data, context) => {
      await handle(data as EventData<C>, context as HandlerContext<S, EventData<C>>);
    },
  };
}

/** The events a table subscribes to. */
export function eventsOf<S>(table: HandlerTable<S>): EventContract[] {
  return table.map((row) => row.event);
}

/** One bus handler for the whole table, dispatching by event type. */
export function tableHandler<S>(table: HandlerTable<S>, service: S, log: Logger): Handler {
  const rows = new Map(table.map((row) => [row.event.type, row]));
  return async (envelope) => {
    const row = rows.get(envelope.type);
    if (!row) {
      // The bus only delivers subscribed types; anything else is someone else's bug.
      log.warn("Ignoring an event the module did not subscribe to", { type: envelope.type });
      return;
    }
    await row.handle(envelope.data, { service, envelope, log });
  };
}
