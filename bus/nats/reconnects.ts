/**
 * Hearing a NATS connection come back: nats.js reconnects by itself, and
 * what holds server-side state on the connection may need to start over.
 *
 * @module
 */
import type { NatsConnection, QueuedIterator, Status } from "nats";
import type { Logger } from "../../lib/logger.ts";

/** Calls `reconnected` after each reconnect of `nc`, until stopped. */
export function onReconnect(
  nc: NatsConnection,
  reconnected: () => void,
  log: Logger,
): { stop(): void } {
  // nats.js 2.x hands out a QueuedIterator here, and closing the connection does not end it.
  const status = nc.status() as QueuedIterator<Status>;
  (async () => {
    for await (const { type } of status) {
      if (type === "reconnect") reconnected();
    }
  })().catch((error) => log.warn("Watching the connection for reconnects failed", { error }));
  return { stop: () => status.stop() };
}
