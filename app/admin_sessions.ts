/**
 * The console's sign-in: the admin trades the static ADMIN_TOKEN for an admin
 * session token in the `bazaar_session` cookie, so the token itself never
 * sits in the browser's script-readable storage. Every process serves these.
 *
 * Failed attempts are limited per client address in this process's memory
 * (a split deployment multiplies the limit by its processes; the token is a
 * long random secret, not a password, so that is acceptable here).
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  clearSessionCookie,
  clientAddress,
  Guard,
  isAdminToken,
  issueToken,
  setSessionCookie,
} from "../lib/auth.ts";
import { tooManyRequests, unauthorized } from "../lib/errors.ts";
import { type FailureLimiter, MemoryFailureLimiter } from "../lib/failure_limiter.ts";
import { readBody } from "../lib/http.ts";
import type { RouteDoc } from "../lib/openapi.ts";
import { timestamp } from "../lib/schemas.ts";
import type { Settings } from "../lib/settings.ts";

const adminSignInBody = z.strictObject({ token: z.string().min(1).max(1_024) });

/** `expires_at` is null for the static token sent as a bearer (it does not expire). */
const adminSessionView = z.object({ role: z.literal("admin"), expires_at: timestamp.nullable() });

export const adminSessionDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/admin/sessions",
    summary: "Console sign-in: trade ADMIN_TOKEN for an admin session cookie. 401 for a wrong " +
      "token; past SIGNIN_FAILURE_LIMIT failures per client address, 429 with Retry-After.",
    access: "open",
    status: 200,
    body: adminSignInBody,
    response: adminSessionView,
  },
  {
    method: "get",
    path: "/admin/sessions/current",
    summary: "Whether the admin is signed in (admin cookie or bearer); 401 otherwise",
    access: "admin",
    status: 200,
    response: adminSessionView,
  },
  {
    method: "delete",
    path: "/admin/sessions",
    summary: "Console sign-out: clears the session cookie",
    access: "open",
    status: 204,
  },
];

export function adminSessionRoutes(
  settings: Settings,
  failures: FailureLimiter = new MemoryFailureLimiter(),
): Hono {
  const guard = new Guard(settings);
  const app = new Hono();

  app.post("/admin/sessions", async (c) => {
    const { token } = await readBody(c, adminSignInBody);
    const keys = [`admin:${clientAddress(c)}`];
    const wait = await failures.claim(keys, {
      limit: settings.signinFailureLimit,
      windowMs: settings.signinWindowS * 1_000,
    });
    if (wait !== null) {
      throw tooManyRequests("Too many failed sign-ins: wait before trying again", wait / 1_000);
    }
    if (!isAdminToken(settings, token)) throw unauthorized("That is not the admin token");
    await failures.forgive(keys);
    const issued = await issueToken(settings.authSecret, { kind: "admin" }, settings.tokenTtlS);
    setSessionCookie(c, issued.token, settings.tokenTtlS);
    return c.json({ role: "admin", expires_at: issued.expiresAt.toISOString() }, 200);
  });

  app.get("/admin/sessions/current", async (c) => {
    const session = await guard.session(c);
    if (session?.principal.kind !== "admin") throw unauthorized("The admin is not signed in");
    return c.json({ role: "admin", expires_at: session.expiresAt?.toISOString() ?? null }, 200);
  });

  app.delete("/admin/sessions", (c) => {
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  return app;
}
