/**
 * A test harness for inventory's HTTP routes: the routes on a root app with
 * the process's error handling, over a memory store, and a small client.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Guard, signCustomerToken } from "../../../lib/auth.ts";
import { testSettings } from "../../../lib/settings.ts";
import { routedApp } from "../../routed_app.ts";
import { InventoryService } from "../../../modules/inventory/service.ts";
import { MemoryInventoryStore } from "../../../modules/inventory/store/memory.ts";
import { inventoryRoutes } from "../../../modules/inventory/http/routes.ts";

export const settings = testSettings();
export const ADMIN = settings.adminToken!;

export function customerToken(customerId: string): Promise<string> {
  return signCustomerToken(settings.authSecret, customerId);
}

export interface CallOptions {
  token?: string;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  raw?: BodyInit;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
}

export function startApi() {
  const store = new MemoryInventoryStore();
  const { app, unexpected } = routedApp(
    inventoryRoutes(new InventoryService(store), new Guard(settings)),
  );

  async function call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: BodyInit | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await app.request(path, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  /** Creates a product as the admin and returns it. */
  async function create(fields: Record<string, unknown> = {}) {
    const reply = await call("POST", "/inventory/products", {
      token: ADMIN,
      body: { name: "Teapot", price: 1250, stock: 10, ...fields },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    return reply.body;
  }

  /** Every server-side failure must be a 4xx of ours, never a 500. */
  function assertNoUnexpected(): void {
    assert.deepEqual(unexpected, []);
  }

  return { store, call, create, assertNoUnexpected };
}

/** The SPEC error body with this code. */
export function assertError(reply: Reply, status: number, code: string): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body?.error?.code, code, JSON.stringify(reply.body));
  assert.equal(typeof reply.body.error.message, "string");
}
