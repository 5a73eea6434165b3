/**
 * Who is calling: the admin (the static ADMIN_TOKEN, or an admin session
 * token) or a customer (a session token). Session tokens are JWTs (HS256)
 * signed with AUTH_SECRET, so every module verifies them without the accounts
 * keyspace:
 *
 * - customer: `{sub: <customer id>, iat, exp}`
 * - admin: `{sub: "admin", role: "admin", iat, exp}`
 *
 * A token arrives as `Authorization: Bearer …` or, from a browser, in the
 * `bazaar_session` cookie (`session_cookie.ts`); the header wins when both come.
 *
 * @module
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { sign, verify } from "hono/jwt";
import { z } from "zod";
import { forbidden, unauthorized } from "./errors.ts";
import { id } from "./schemas.ts";
import { SESSION_COOKIE } from "./session_cookie.ts";
import type { Settings } from "./settings.ts";

export {
  clearSessionCookie,
  clientAddress,
  requireSameOriginForCookies,
  SESSION_COOKIE,
  setSessionCookie,
} from "./session_cookie.ts";

export type Principal = { kind: "admin" } | { kind: "customer"; customerId: string };

/** A verified caller, and when its token ends (null for the static admin token, which does not). */
export interface Session {
  principal: Principal;
  expiresAt: Date | null;
}

export const DEFAULT_TOKEN_TTL_S = 604_800;

/** How far (s) a token's `iat` may lie in our future: another process's clock may run ahead. */
const CLOCK_SKEW_S = 60;
/** Longer "tokens" are not ours; refused before any parsing. */
const MAX_TOKEN_LENGTH = 2_048;
/**
 * HMAC-SHA256 is 32 bytes: 43 base64url characters, the last one carrying 2
 * unused bits. Requiring them to be zero leaves one spelling per signature
 * (a decoder ignores them, so "…A" and "…B" would otherwise both verify).
 */
const CANONICAL_SIGNATURE = /\.[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

const claimsSchema = z.object({
  sub: id,
  iat: z.number().int().nonnegative(),
  exp: z.number().int().positive(),
  role: z.literal("admin").optional(),
});

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(secret, key);
  }
  return key;
}

/** HMAC-SHA256 of `message` under `secret`, as lower-case hex (webhook signatures). */
export async function hmacHex(secret: string, message: string): Promise<string> {
  const signature = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    encoder.encode(message),
  );
  return Array.from(new Uint8Array(signature), (b) => b.toString(16).padStart(2, "0")).join("");
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** A session token for `principal`, valid `ttlS` seconds from `nowMs`. */
export async function issueToken(
  secret: string,
  principal: Principal,
  ttlS: number,
  nowMs = Date.now(),
): Promise<IssuedToken> {
  const iat = Math.floor(nowMs / 1_000);
  const exp = iat + ttlS;
  const claims = principal.kind === "admin"
    ? { sub: "admin", role: "admin", iat, exp }
    : { sub: principal.customerId, iat, exp };
  return { token: await sign(claims, secret, "HS256"), expiresAt: new Date(exp * 1_000) };
}

/** A customer's session token (what sign-up and sign-in hand out; tests sign with it too). */
export async function signCustomerToken(
  secret: string,
  customerId: string,
  ttlS = DEFAULT_TOKEN_TTL_S,
  nowMs = Date.now(),
): Promise<string> {
  return (await issueToken(secret, { kind: "customer", customerId }, ttlS, nowMs)).token;
}

/** Tokens verified lately, and their sessions: a shopper's every request carries the same one. */
const VERIFIED_MAX = 10_000;
const verified = new Map<string, { secret: string; session: Session }>();

/**
 * The session a token stands for, or null when it is not ours, was altered or
 * has expired. A token verified before is answered from memory until it
 * expires: an HMAC check through WebCrypto costs ≈90 µs, as much as the rest
 * of a request. Only tokens that verified are kept (a forged one is checked
 * every time), at most VERIFIED_MAX, the oldest going first.
 */
export async function verifyToken(secret: string, token: string): Promise<Session | null> {
  const known = verified.get(token);
  if (known && known.secret === secret) {
    const expiresAt = known.session.expiresAt;
    if (!expiresAt || expiresAt.getTime() > Date.now()) return known.session;
    verified.delete(token);
    return null;
  }
  const session = await verifyAnew(secret, token);
  if (session) {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, { secret, session: Object.freeze(session) });
  }
  return session;
}

async function verifyAnew(secret: string, token: string): Promise<Session | null> {
  if (token.length > MAX_TOKEN_LENGTH || !CANONICAL_SIGNATURE.test(token)) return null;
  let payload: unknown;
  try {
    // iat is checked below, with room for clock skew; verify() allows none.
    payload = await verify(token, secret, { alg: "HS256", iat: false });
  } catch {
    return null;
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) return null;
  const { sub, iat, exp, role } = claims.data;
  if (iat > Date.now() / 1_000 + CLOCK_SKEW_S || exp <= iat) return null;
  const expiresAt = new Date(exp * 1_000);
  if (role === "admin") return sub === "admin" ? { principal: { kind: "admin" }, expiresAt } : null;
  return { principal: { kind: "customer", customerId: sub }, expiresAt };
}

/** Compares without leaking where two strings first differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Whether `token` is the static ADMIN_TOKEN (false when there is none). */
export function isAdminToken(settings: Settings, token: string): boolean {
  return settings.adminToken !== null && constantTimeEqual(token, settings.adminToken);
}

/** The session an Authorization header names, or null when it is missing or invalid. */
export async function bearerSession(
  settings: Settings,
  authorization: string | undefined | null,
): Promise<Session | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) return null;
  const token = match[1]!;
  if (isAdminToken(settings, token)) return { principal: { kind: "admin" }, expiresAt: null };
  return await verifyToken(settings.authSecret, token);
}

/** The caller an Authorization header names, or null when it is missing or invalid. */
export async function principalOf(
  settings: Settings,
  authorization: string | undefined | null,
): Promise<Principal | null> {
  return (await bearerSession(settings, authorization))?.principal ?? null;
}

const NO_CREDENTIAL = "Sign in, or send a valid bearer token";

/** Guards for route handlers; they throw 401 (no valid token) or 403 (not allowed). */
export class Guard {
  constructor(private readonly settings: Settings) {}

  /**
   * The caller's session: from the Authorization header when there is one,
   * else from the session cookie (never the static admin token: a cookie
   * only ever holds a token we issued). Null when neither is sent; 401 when
   * the one sent does not verify.
   */
  async session(c: Context): Promise<Session | null> {
    const header = c.req.header("authorization");
    if (header) {
      const session = await bearerSession(this.settings, header);
      if (!session) throw unauthorized(NO_CREDENTIAL);
      return session;
    }
    const cookie = getCookie(c, SESSION_COOKIE);
    if (!cookie) return null;
    const session = await verifyToken(this.settings.authSecret, cookie);
    if (!session) throw unauthorized("The session has ended or is not valid: sign in again");
    return session;
  }

  async caller(c: Context): Promise<Principal> {
    const session = await this.session(c);
    if (!session) throw unauthorized(NO_CREDENTIAL);
    return session.principal;
  }

  /**
   * Null for an anonymous caller. A bad bearer token is still a 401 (who sends
   * one expects it to count); a stale cookie is not a claim to be anyone (the
   * browser sends it unasked), so it counts as no credential.
   */
  async optionalCaller(c: Context): Promise<Principal | null> {
    if (c.req.header("authorization")) return await this.caller(c);
    const cookie = getCookie(c, SESSION_COOKIE);
    if (!cookie) return null;
    return (await verifyToken(this.settings.authSecret, cookie))?.principal ?? null;
  }

  async admin(c: Context): Promise<void> {
    const principal = await this.caller(c);
    if (principal.kind !== "admin") throw forbidden("Only the admin token may do that");
  }

  /** The admin, or the customer `customerId` itself. */
  async adminOrCustomer(c: Context, customerId: string): Promise<Principal> {
    const principal = await this.caller(c);
    if (principal.kind === "customer" && principal.customerId !== customerId) {
      throw forbidden("A customer token may only reach its own records");
    }
    return principal;
  }

  /** A customer token (the admin is not a customer). */
  async customer(c: Context): Promise<string> {
    const principal = await this.caller(c);
    if (principal.kind !== "customer") throw forbidden("Only a customer token may do that");
    return principal.customerId;
  }
}
