/**
 * Who is calling: the admin (ADMIN_TOKEN) or a customer (a token signed with
 * AUTH_SECRET, verifiable by every module without the accounts keyspace).
 *
 * Customer token: `c1.<customer id, base64url>.<HMAC-SHA256 of "c1.<id>", base64url>`.
 *
 * @module
 */
import type { Context } from "hono";
import { forbidden, unauthorized } from "./errors.ts";
import type { Settings } from "./settings.ts";

export type Principal = { kind: "admin" } | { kind: "customer"; customerId: string };

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

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Decodes base64url, refusing any text but the one canonical encoding of its bytes. */
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    // Unused low bits of the last character would otherwise make several tokens valid.
    return toBase64Url(bytes) === text ? bytes : null;
  } catch {
    return null;
  }
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

export async function signCustomerToken(secret: string, customerId: string): Promise<string> {
  const payload = `c1.${toBase64Url(encoder.encode(customerId))}`;
  const signature = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    encoder.encode(payload),
  );
  return `${payload}.${toBase64Url(new Uint8Array(signature))}`;
}

/** The customer id a token was signed for, or null when it is not a valid token. */
export async function verifyCustomerToken(secret: string, token: string): Promise<string | null> {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== "c1") return null;
  const id = fromBase64Url(parts[1]!);
  const signature = fromBase64Url(parts[2]!);
  if (!id || !signature || id.length === 0) return null;
  const ok = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    signature,
    encoder.encode(`${parts[0]}.${parts[1]}`),
  );
  return ok ? new TextDecoder().decode(id) : null;
}

/** Compares without leaking where two strings first differ. */
function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** The caller named by the Authorization header, or null when there is none or it is invalid. */
export async function principalOf(
  settings: Settings,
  authorization: string | undefined | null,
): Promise<Principal | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) return null;
  const token = match[1]!;
  if (settings.adminToken && constantTimeEqual(token, settings.adminToken)) {
    return { kind: "admin" };
  }
  const customerId = await verifyCustomerToken(settings.authSecret, token);
  return customerId ? { kind: "customer", customerId } : null;
}

/** Guards for route handlers; they throw 401 (no valid token) or 403 (not allowed). */
export class Guard {
  constructor(private readonly settings: Settings) {}

  async caller(c: Context): Promise<Principal> {
    const principal = await principalOf(this.settings, c.req.header("authorization"));
    if (!principal) throw unauthorized();
    return principal;
  }

  async optionalCaller(c: Context): Promise<Principal | null> {
    if (!c.req.header("authorization")) return null;
    return await this.caller(c);
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
