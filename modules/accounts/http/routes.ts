/**
 * The accounts routes, all under `/accounts`. Thin: check who calls, validate,
 * hand off to the use cases, shape the answer.
 *
 * @module
 */
import { Hono } from "hono";
import type { Guard } from "../../../lib/auth.ts";
import { forbidden, invalid } from "../../../lib/errors.ts";
import { param, readBody, readQuery } from "../../../lib/http.ts";
import type { AccountsService } from "../service.ts";
import type { CustomerPosition } from "../domain/types.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { customerOut, depositBody, listCustomersQuery, signUpBody } from "./schemas.ts";
import { sessionRoutes, setCookieFor } from "./sessions.ts";

/** Where the page a cursor asks for starts: null without one, 400 for one we did not write. */
function startOf(cursor: string | undefined): CustomerPosition | null {
  if (cursor === undefined) return null;
  const position = decodeCursor(cursor);
  if (!position) throw invalid(`Query is invalid at "cursor": "${cursor}" is not a cursor`);
  return position;
}

export function accountsRoutes(accounts: AccountsService, guard: Guard): Hono {
  const app = new Hono();

  app.post("/accounts/customers", async (c) => {
    // A bad token is refused even here: a caller who sends one expects it to count.
    const caller = await guard.optionalCaller(c);
    const body = await readBody(c, signUpBody);
    if (body.balance !== undefined && caller?.kind !== "admin") {
      throw forbidden("Only the admin token may open an account with a balance");
    }
    const signedUp = await accounts.signUp(body);
    // The new customer is signed in, unless the admin opened the account (the
    // console must keep its own session).
    if (caller?.kind !== "admin") setCookieFor(c, signedUp);
    return c.json({ ...customerOut(signedUp.customer), token: signedUp.token }, 201);
  });

  app.get("/accounts/customers", async (c) => {
    await guard.admin(c);
    const query = readQuery(c, listCustomersQuery);
    const page = await accounts.listCustomers({
      q: query.q || undefined,
      limit: query.limit,
      after: startOf(query.cursor),
    });
    return c.json({
      items: page.customers.map(customerOut),
      next_cursor: page.next === null ? null : encodeCursor(page.next),
    }, 200);
  });

  app.get("/accounts/customers/:id", async (c) => {
    const id = param(c, "id");
    await guard.adminOrCustomer(c, id);
    return c.json(customerOut(await accounts.customer(id)));
  });

  app.post("/accounts/customers/:id/deposits", async (c) => {
    // Admin only: a customer crediting itself would be printing money.
    await guard.admin(c);
    const body = await readBody(c, depositBody);
    return c.json(customerOut(await accounts.deposit(param(c, "id"), body.amount)));
  });

  app.get("/accounts/customers/:id/ledger", async (c) => {
    const id = param(c, "id");
    await guard.adminOrCustomer(c, id);
    return c.json({ items: await accounts.ledger(id) });
  });

  // Not in the SPEC: the admin's view of what happened to an order's money,
  // for support and for checking the saga from outside.
  app.get("/accounts/payments/:order_id", async (c) => {
    await guard.admin(c);
    return c.json(await accounts.payment(param(c, "order_id")));
  });

  app.route("/", sessionRoutes(accounts, guard));
  return app;
}
