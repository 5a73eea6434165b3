/**
 * The orders HTTP API (SPEC "Orders"). Handlers check who is calling, read
 * and validate input, and hand off to the service; errors are thrown and
 * mapped to the SPEC body by the process's error handler.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { Guard, Principal } from "../../../lib/auth.ts";
import { forbidden, invalid, notFound } from "../../../lib/errors.ts";
import { param, readBody, readQuery } from "../../../lib/http.ts";
import { id as idSchema } from "../../../lib/schemas.ts";
import { isTerminal, type Order, viewOf } from "../domain/order.ts";
import type { InflightOrders } from "../admission.ts";
import type { OrderService } from "../service.ts";
import type { OrderPosition } from "../domain/position.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { HEARTBEAT_MS, orderEvents } from "./events.ts";
import { idempotencyKey, preferredWait } from "./headers.ts";
import { listOrdersQuery, placeOrderBody } from "./schemas.ts";

/** Where the page a cursor asks for starts: null without one, 400 for one we did not write. */
function startOf(cursor: string | undefined): OrderPosition | null {
  if (cursor === undefined) return null;
  const position = decodeCursor(cursor);
  if (!position) throw invalid(`Query is invalid at "cursor": "${cursor}" is not a cursor`);
  return position;
}

/** The order the caller may see: 404 when there is none, 403 when it is someone else's. */
async function ownOrder(
  c: Context,
  service: OrderService,
  principal: Principal,
): Promise<Order> {
  const id = param(c, "id");
  const order = idSchema.safeParse(id).success ? await service.get(id) : null;
  if (!order) throw notFound("Order", id);
  if (principal.kind === "customer" && principal.customerId !== order.customer_id) {
    throw forbidden("A customer token may only reach its own orders");
  }
  return order;
}

/** Without admission control (module tests), every placement is let through. */
const ADMIT_ALL: Admission = { admit: (place) => place(), refuseIfFull: () => {} };

type Admission = Pick<InflightOrders, "admit" | "refuseIfFull">;

export interface OrderRouteOptions {
  /** How often an event stream sends its `: ping` comment. */
  heartbeatMs?: number;
}

export function orderRoutes(
  service: OrderService,
  guard: Guard,
  admission: Admission = ADMIT_ALL,
  options: OrderRouteOptions = {},
): Hono {
  const app = new Hono();
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;

  app.post("/orders", async (c) => {
    // Shedding load costs nothing: a full process refuses before it verifies or reads anything.
    admission.refuseIfFull();
    const principal = await guard.caller(c);
    const wait = preferredWait(c.req.header("prefer"));
    const key = idempotencyKey(c.req.header("idempotency-key"));
    const body = await readBody(c, placeOrderBody);
    if (principal.kind === "customer" && principal.customerId !== body.customer_id) {
      throw forbidden("A customer token may only place orders for itself");
    }
    // A process past MAX_INFLIGHT_ORDERS answers 503 here, before anything is written.
    let { order, replayed } = await admission.admit(() => service.place(body, key));
    c.header("Location", `/orders/${order.id}`);
    if (replayed) c.header("Idempotent-Replayed", "true");
    if (wait === null) return c.json(viewOf(order), 202);
    // The request's signal aborts when the client goes away: deno.json opts in to
    // "no-legacy-abort", so it does not also abort on every successful response.
    order = await service.awaitOutcome(order.id, wait * 1_000, c.req.raw.signal) ?? order;
    c.header("Preference-Applied", `wait=${wait}`);
    return c.json(viewOf(order), isTerminal(order.status) ? 200 : 202);
  });

  app.get("/orders", async (c) => {
    const principal = await guard.caller(c);
    const query = readQuery(c, listOrdersQuery);
    let customerId = query.customer_id;
    if (principal.kind === "customer") {
      customerId ??= principal.customerId;
      if (customerId !== principal.customerId) {
        throw forbidden("A customer token may only list its own orders");
      }
    }
    const after = startOf(query.cursor);
    const page = customerId === undefined
      ? await service.listRecent(query.limit, after, query.status)
      : await service.listForCustomer(customerId, query.limit, after, query.status);
    return c.json({
      items: page.orders.map(viewOf),
      next_cursor: page.next === null ? null : encodeCursor(page.next),
    }, 200);
  });

  // Before /orders/:id, which would take "stats" for an id.
  app.get("/orders/stats", async (c) => {
    await guard.admin(c);
    const byStatus = await service.countByStatus();
    const total = Object.values(byStatus).reduce((sum, count) => sum + count, 0);
    return c.json({ by_status: byStatus, total }, 200);
  });

  app.get("/orders/:id", async (c) => {
    const principal = await guard.caller(c);
    return c.json(viewOf(await ownOrder(c, service, principal)), 200);
  });

  app.get("/orders/:id/events", async (c) => {
    const principal = await guard.caller(c);
    const order = await ownOrder(c, service, principal);
    return orderEvents(c, service, order, heartbeatMs);
  });

  app.post("/orders/:id/cancel", async (c) => {
    const principal = await guard.caller(c);
    const order = await ownOrder(c, service, principal);
    return c.json(viewOf(await service.cancel(order.id)), 202);
  });

  return app;
}
