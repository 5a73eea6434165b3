/**
 * The browser side of sessions: the `bazaar_session` cookie, the Origin
 * check that keeps another site from using it (CSRF), and where a request
 * comes from. Re-exported by `auth.ts`.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { forbidden } from "./errors.ts";

export const SESSION_COOKIE = "bazaar_session";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The first value of a header that a chain of proxies may have turned into a list. */
function firstValue(header: string | undefined): string | undefined {
  return header?.split(",")[0]?.trim() || undefined;
}

/** Whether the client reached us over https (directly, or as the gateway says). */
export function isHttps(c: Context): boolean {
  const forwarded = firstValue(c.req.header("x-forwarded-proto"));
  if (forwarded) return forwarded.toLowerCase() === "https";
  return new URL(c.req.url).protocol === "https:";
}

/** `scheme://host[:port]` as the client sees this service (behind the gateway too). */
export function requestOrigin(c: Context): string | null {
  const url = new URL(c.req.url);
  const scheme = firstValue(c.req.header("x-forwarded-proto"))?.toLowerCase() ??
    url.protocol.replace(/:$/, "");
  const host = firstValue(c.req.header("x-forwarded-host")) ?? c.req.header("host") ?? url.host;
  return normalOrigin(`${scheme}://${host}`);
}

/** An origin in one spelling (lower case, no default port), or null when it is none. */
function normalOrigin(text: string): string | null {
  try {
    const origin = new URL(text).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

const COOKIE_OPTIONS = { httpOnly: true, sameSite: "Lax", path: "/" } as const;

/** Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, `Secure` over https. */
export function setSessionCookie(c: Context, token: string, ttlS: number): void {
  setCookie(c, SESSION_COOKIE, token, { ...COOKIE_OPTIONS, maxAge: ttlS, secure: isHttps(c) });
}

/** Tells the browser to drop the session cookie. */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { ...COOKIE_OPTIONS, secure: isHttps(c) });
}

/**
 * The client's address, for limits: the last `X-Forwarded-For` entry (the one
 * our gateway appended: nginx's `$proxy_add_x_forwarded_for` keeps whatever
 * the client sent before it), else the connection's remote address.
 */
export function clientAddress(c: Context): string {
  const forwarded = c.req.header("x-forwarded-for")?.split(",").map((s) => s.trim())
    .filter(Boolean);
  if (forwarded?.length) return forwarded[forwarded.length - 1]!;
  // Deno.serve hands its ServeHandlerInfo to app.fetch as the env (what hono/deno's getConnInfo reads).
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return env?.remoteAddr?.hostname ?? "unknown";
}

/**
 * CSRF guard for cookie sessions: a state-changing request (any method but
 * GET, HEAD, OPTIONS) that carries the session cookie and no Authorization
 * header must say it comes from this origin. A bearer token is never sent by
 * a browser on its own, so requests with one need no check.
 */
export function requireSameOriginForCookies(): MiddlewareHandler {
  return async (c, next) => {
    if (
      !SAFE_METHODS.has(c.req.method) && !c.req.header("authorization") &&
      getCookie(c, SESSION_COOKIE) !== undefined
    ) {
      const sent = c.req.header("origin");
      const origin = sent === undefined ? null : normalOrigin(sent);
      if (origin === null || origin !== requestOrigin(c)) {
        throw forbidden(
          sent === undefined
            ? "A request that changes something with the session cookie must send an Origin header"
            : `Origin "${sent}" is not this site: a session cookie only works from its own pages`,
        );
      }
    }
    await next();
  };
}
