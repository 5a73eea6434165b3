/**
 * Customer sign-in, for browsers and API clients alike: `POST` answers a
 * token and sets the session cookie, `GET …/current` says who the cookie (or
 * bearer token) is, `DELETE` signs the browser out.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import {
  clearSessionCookie,
  clientAddress,
  type Guard,
  setSessionCookie,
} from "../../../lib/auth.ts";
import { AppError, unauthorized } from "../../../lib/errors.ts";
import { readBody } from "../../../lib/http.ts";
import type { AccountsService, SignedIn } from "../service.ts";
import { signInBody } from "./schemas.ts";

/** Sets the cookie to live exactly as long as the token it holds. */
export function setCookieFor(c: Context, signedIn: SignedIn): void {
  const ttlS = Math.max(0, Math.ceil((signedIn.expiresAt.getTime() - Date.now()) / 1_000));
  setSessionCookie(c, signedIn.token, ttlS);
}

export function sessionRoutes(accounts: AccountsService, guard: Guard): Hono {
  const app = new Hono();

  app.post("/accounts/sessions", async (c) => {
    const body = await readBody(c, signInBody);
    const signedIn = await accounts.signIn(body.email, body.password, clientAddress(c));
    setCookieFor(c, signedIn);
    return c.json({
      customer_id: signedIn.customer.id,
      token: signedIn.token,
      expires_at: signedIn.expiresAt.toISOString(),
    }, 200);
  });

  app.get("/accounts/sessions/current", async (c) => {
    const session = await guard.session(c);
    if (session?.principal.kind !== "customer" || !session.expiresAt) {
      throw unauthorized("No customer is signed in");
    }
    const customer = await accounts.customer(session.principal.customerId).catch((error) => {
      // A valid token for a customer this store does not know is no session.
      if (error instanceof AppError && error.code === "not_found") {
        throw unauthorized("No customer is signed in");
      }
      throw error;
    });
    return c.json({
      customer_id: customer.id,
      name: customer.name,
      email: customer.email,
      expires_at: session.expiresAt.toISOString(),
    }, 200);
  });

  app.delete("/accounts/sessions", (c) => {
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  return app;
}
