/**
 * `GET /orders/:id/events`: an order's status as Server-Sent Events. The
 * first event is the order as it is, then one per status change, and the
 * stream ends after a terminal status. Event `n` is the order once its
 * history had `n` entries (1 = pending), so a client that reconnects with
 * `Last-Event-ID: n` gets only what came after.
 *
 * @module
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { isTerminal, type Order, viewOf } from "../domain/order.ts";
import type { OrderService } from "../service.ts";

/** A comment line this often keeps proxies and browsers from timing the stream out. */
export const HEARTBEAT_MS = 15_000;

/** The history entries a reconnecting client has seen; 0 when it says nothing we can read. */
export function lastEventId(header: string | undefined): number {
  const value = header?.trim() ?? "";
  return /^[0-9]{1,9}$/.test(value) ? Number(value) : 0;
}

export function orderEvents(
  c: Context,
  service: OrderService,
  order: Order,
  heartbeatMs = HEARTBEAT_MS,
): Response {
  const seen = lastEventId(c.req.header("last-event-id"));
  // nginx would otherwise buffer the stream (the gateway also turns buffering off).
  c.header("X-Accel-Buffering", "no");
  c.header("Cache-Control", "no-cache");
  return streamSSE(c, async (stream) => {
    const gone = new AbortController();
    const leave = () => gone.abort();
    // Either way of noticing the client left: the request's signal, or the body cancelled.
    c.req.raw.signal.addEventListener("abort", leave, { once: true });
    stream.onAbort(leave);
    // Listening before the second read: a change in between is not missed.
    const watch = service.watch(order.id);
    const heartbeat = setInterval(() => void stream.write(": ping\n\n"), heartbeatMs);
    try {
      let current = await service.get(order.id) ?? order;
      let sent = seen;
      while (!gone.signal.aborted) {
        const count = current.history.length;
        if (count > sent) {
          await stream.writeSSE({
            id: String(count),
            event: "status",
            data: JSON.stringify(viewOf(current)),
          });
          sent = count;
        }
        if (isTerminal(current.status)) break;
        const next = await watch.next(current.version, { signal: gone.signal });
        if (!next) break;
        current = next;
      }
    } catch (error) {
      // The client reconnects with Last-Event-ID; the reason is ours to log, not to send.
      service.log.warn("An order's event stream failed", { order_id: order.id, error });
    } finally {
      clearInterval(heartbeat);
      watch.close();
      c.req.raw.signal.removeEventListener("abort", leave);
    }
  });
}
