/**
 * The accounts routes on a memory or a Redis store, behind the process's
 * error handling and Origin check, with cheap password hashes (the stored
 * format names its cost, so every code path is the production one), for the
 * sign-in and session tests.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { Guard, requireSameOriginForCookies, SESSION_COOKIE } from "../../../lib/auth.ts";
import { installErrorHandling } from "../../../lib/http.ts";
import type { StoreKind } from "../../../lib/module.ts";
import { type Settings, testSettings } from "../../../lib/settings.ts";
import { openKeyspace } from "../../redis.ts";
import { serviceUrl } from "../../services.ts";
import { AccountsService } from "../../../modules/accounts/service.ts";
import type { ScryptCost } from "../../../modules/accounts/domain/passwords.ts";
import { MemoryAccountsStore } from "../../../modules/accounts/store/memory.ts";
import { RedisAccountsStore } from "../../../modules/accounts/store/redis.ts";
import type { AccountsStore } from "../../../modules/accounts/store/types.ts";
import { accountsRoutes } from "../../../modules/accounts/http/routes.ts";

export const ORIGIN = "http://shop.test";
/** Cheap enough for tests that hash dozens of times; production uses OWASP_SCRYPT. */
export const TEST_COST: ScryptCost = { N: 2 ** 10, r: 8, p: 1 };
export const redisUrl = serviceUrl("REDIS_URL");

export interface CallOptions {
  token?: string;
  /** Sent as the `bazaar_session` cookie. */
  cookie?: string;
  /** The Origin header; sent as ORIGIN by default when a cookie is, `null` to leave it out. */
  origin?: string | null;
  /** The client address the gateway saw (X-Forwarded-For). */
  from?: string;
  body?: unknown;
}

export interface Reply {
  status: number;
  // deno-lint-ignore no-explicit-any
  json: any;
  headers: Headers;
  /** The session cookie's value from Set-Cookie ("" when it was cleared), undefined without one. */
  cookie?: string;
}

export interface AccountsApp {
  store: AccountsStore;
  settings: Settings;
  admin: string;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  /** Signs up (201 asserted) with a password; the email is `<name>@example.com`. */
  signUp(name: string, password?: string): Promise<{ id: string; token: string }>;
}

export function accountsApp(store: AccountsStore, overrides: Partial<Settings> = {}): AccountsApp {
  const settings = testSettings(overrides);
  const app = new Hono();
  installErrorHandling(app, (error) => {
    throw error;
  });
  app.use("*", requireSameOriginForCookies());
  app.route(
    "/",
    accountsRoutes(new AccountsService(store, settings, () => {}, TEST_COST), new Guard(settings)),
  );
  const call = async (method: string, path: string, options: CallOptions = {}) => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.cookie !== undefined) {
      headers.cookie = `${SESSION_COOKIE}=${options.cookie}`;
      if (options.origin !== null) headers.origin = options.origin ?? ORIGIN;
    } else if (options.origin) headers.origin = options.origin;
    if (options.from) headers["x-forwarded-for"] = options.from;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const response = await app.request(`${ORIGIN}${path}`, { method, headers, body });
    const text = await response.text();
    const set = response.headers.get("set-cookie") ?? "";
    const match = new RegExp(`(?:^|, )${SESSION_COOKIE}=([^;]*)`).exec(set);
    return {
      status: response.status,
      json: text ? JSON.parse(text) : null,
      headers: response.headers,
      cookie: match?.[1],
    };
  };
  return {
    store,
    settings,
    admin: settings.adminToken!,
    call,
    async signUp(name, password) {
      const reply = await call("POST", "/accounts/customers", {
        body: { name, email: `${name.toLowerCase()}@example.com`, password },
      });
      assert.equal(reply.status, 201, JSON.stringify(reply.json));
      return reply.json;
    },
  };
}

/** Runs `body` on the accounts routes over a new store of `kind` (Redis: a keyspace of its own). */
export async function withAccountsApp(
  kind: StoreKind,
  overrides: Partial<Settings>,
  body: (accounts: AccountsApp) => Promise<void>,
): Promise<void> {
  if (kind === "memory") return await body(accountsApp(new MemoryAccountsStore(), overrides));
  const keyspace = await openKeyspace(redisUrl!);
  try {
    const store = new RedisAccountsStore(keyspace.redis, keyspace.keyPrefix);
    await body(accountsApp(store, overrides));
  } finally {
    await keyspace.close();
  }
}
