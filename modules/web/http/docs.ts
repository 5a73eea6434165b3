/**
 * The web module's pages in /openapi.json: HTML, not JSON, but routes the
 * system serves all the same.
 *
 * @module
 */
import type { RouteDoc } from "../../../lib/openapi.ts";

export const webDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The store (HTML): featured products, search, cart, checkout, orders, account",
    access: "open",
    status: 200,
  },
  {
    method: "get",
    path: "/admin",
    summary: "The console (HTML): catalog, customers, orders, dead letters, bus lag",
    access: "open",
    status: 200,
  },
];
