/**
 * The messaging routes, all under `/messaging`: a customer's notifications and
 * invoices (its own only), everything for the admin.
 *
 * @module
 */
import { Hono } from "hono";
import type { Guard } from "../../../lib/auth.ts";
import { forbidden } from "../../../lib/errors.ts";
import { param, readQuery } from "../../../lib/http.ts";
import type { MessagingService } from "../service.ts";
import { prefersHtml } from "./accept.ts";
import { renderInvoiceHtml } from "./invoice_html.ts";
import { notificationsQuery } from "./schemas.ts";

const DEFAULT_LIMIT = 100;

export function messagingRoutes(messaging: MessagingService, guard: Guard): Hono {
  const app = new Hono();

  app.get("/messaging/notifications", async (c) => {
    const caller = await guard.caller(c);
    const query = readQuery(c, notificationsQuery);
    let customerId = query.customer_id;
    if (caller.kind === "customer") {
      if (customerId !== undefined && customerId !== caller.customerId) {
        throw forbidden("A customer token may only list its own notifications");
      }
      customerId = caller.customerId;
    }
    const items = await messaging.notifications({
      ...(customerId === undefined ? {} : { customer_id: customerId }),
      ...(query.order_id === undefined ? {} : { order_id: query.order_id }),
      limit: query.limit ?? DEFAULT_LIMIT,
    });
    return c.json({ items });
  });

  app.get("/messaging/invoices/:order_id", async (c) => {
    const caller = await guard.caller(c);
    const invoice = await messaging.invoice(param(c, "order_id"));
    if (caller.kind === "customer" && caller.customerId !== invoice.customer_id) {
      throw forbidden("A customer token may only read its own invoices");
    }
    c.header("Vary", "Accept");
    if (!prefersHtml(c.req.header("accept"))) return c.json(invoice);
    // Belt and braces on top of escaping: the page may load nothing and run nothing.
    c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
    return c.html(renderInvoiceHtml(invoice, messaging.currency));
  });

  return app;
}
