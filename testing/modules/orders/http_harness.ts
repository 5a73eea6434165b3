/**
 * The orders routes on a memory store, wrapped the way the process wraps them
 * (the SPEC error body), for the HTTP tests.
 *
 * @module
 */
import type { Hono } from "hono";
import { Guard, signCustomerToken } from "../../../lib/auth.ts";
import { silentLogger } from "../../../lib/logger.ts";
import { testSettings } from "../../../lib/settings.ts";
import { routedApp } from "../../routed_app.ts";
import { OrderService } from "../../../modules/orders/service.ts";
import { MemoryOrderStore } from "../../../modules/orders/store/memory.ts";
import { orderRoutes } from "../../../modules/orders/http/routes.ts";

export const settings = testSettings();
export const ADMIN = `Bearer ${settings.adminToken}`;

export async function customer(id: string): Promise<string> {
  return `Bearer ${await signCustomerToken(settings.authSecret, id)}`;
}

export interface Harness {
  app: Hono;
  store: MemoryOrderStore;
  service: OrderService;
  /** Unexpected errors the error handler saw (a 500 would land here). */
  unexpected: unknown[];
  request(path: string, init?: RequestInit): Promise<Response>;
  /** POST /orders with a JSON body and extra headers. */
  place(body: unknown, headers?: Record<string, string>): Promise<Response>;
}

export const ORDER = { customer_id: "cus_1", items: [{ product_id: "p1", quantity: 2 }] };

export async function harness(): Promise<Harness> {
  const store = new MemoryOrderStore();
  const service = new OrderService(store, settings, silentLogger, { pollMs: 5 });
  const { app, unexpected } = routedApp(orderRoutes(service, new Guard(settings)));
  const token = await customer("cus_1");
  const request = async (path: string, init?: RequestInit) => await app.request(path, init);
  return {
    app,
    store,
    service,
    unexpected,
    request,
    place: (body, headers = {}) =>
      request("/orders", {
        method: "POST",
        headers: { authorization: token, "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
  };
}

/** Everything the store holds: no order and no event means nothing was half-written. */
export async function storedNothing(h: Harness): Promise<boolean> {
  return (await h.store.listRecent(100)).length === 0 &&
    (await h.store.outbox.peek(100)).length === 0;
}
