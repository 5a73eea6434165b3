/**
 * The orders routes for /openapi.json, in the order `routes.ts` serves them.
 *
 * @module
 */
import type { RouteDoc } from "../../../lib/openapi.ts";
import {
  listOrdersQuery,
  orderListResponse,
  orderResponse,
  orderStatsResponse,
  placeOrderBody,
} from "./schemas.ts";

export const orderDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/orders",
    summary:
      "Place an order (202 pending). Headers: `Idempotency-Key` (same key and body → same order; " +
      "another body → 409), `Prefer: wait=N` (seconds, more than 30 counts as 30; a " +
      "malformed preference is ignored): 200 once terminal, else 202 after N seconds.",
    access: "admin or customer",
    status: 202,
    body: placeOrderBody,
    response: orderResponse,
  },
  {
    method: "get",
    path: "/orders",
    summary: "List orders, newest first: a customer's own, or (admin) any customer's or all; " +
      "`status` lists only the orders in that status now. " +
      "`limit` per page (default 100, at most 1000); pass a page's `next_cursor` as `cursor` " +
      "for the next page (`next_cursor` is null on the last one).",
    access: "admin or customer",
    status: 200,
    query: listOrdersQuery,
    response: orderListResponse,
  },
  {
    method: "get",
    path: "/orders/stats",
    summary: "How many orders are in each status, and in all (kept as orders move, not counted " +
      "per request).",
    access: "admin",
    status: 200,
    response: orderStatsResponse,
  },
  {
    method: "get",
    path: "/orders/:id",
    summary: "One order with its prices, status, reason and history.",
    access: "admin or customer",
    status: 200,
    response: orderResponse,
  },
  {
    method: "get",
    path: "/orders/:id/events",
    summary: "The order's status as `text/event-stream`: first the order as it is, then one " +
      "event per status change; closed after a terminal status. Each event is `event: status`, " +
      "`id: n` (history entries so far, 1 = pending) and the order JSON of GET /orders/:id as " +
      "`data`. `Last-Event-ID: n` sends only what came after n (and closes at once when the " +
      "order is terminal and n covers it). A `: ping` comment every 15 s.",
    access: "admin or customer",
    status: 200,
  },
  {
    method: "post",
    path: "/orders/:id/cancel",
    summary: "Cancel an order (a confirmed one is refunded); 409 once it is finished.",
    access: "admin or customer",
    status: 202,
    response: orderResponse,
  },
];
