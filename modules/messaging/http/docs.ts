/**
 * The messaging routes for /openapi.json, in the order `routes.ts` serves them.
 *
 * @module
 */
import type { RouteDoc } from "../../../lib/openapi.ts";
import { invoiceView, notificationsQuery, notificationsView } from "./schemas.ts";

export const messagingDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/messaging/notifications",
    summary: "Notifications, newest first (a customer token sees only its own)",
    access: "admin or customer",
    status: 200,
    query: notificationsQuery,
    response: notificationsView,
  },
  {
    method: "get",
    path: "/messaging/invoices/:order_id",
    summary: "The invoice of a confirmed order (JSON, or a printable page for Accept: text/html)",
    access: "admin or customer",
    status: 200,
    response: invoiceView,
  },
];
