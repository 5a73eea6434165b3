/**
 * The accounts routes, all under `/accounts`. Thin: check who calls, validate,
 * hand off to the use cases, shape the answer.
 *
 * @module
 */
import { Hono } from "hono";
import type { Guard } from "../../../lib/auth.ts";
import { forbidden } from "../../../lib/errors.ts";
import { param, readBody } from "../../../lib/http.ts";
import type { RouteDoc } from "../../../lib/openapi.ts";
import type { Accounts } from "../domain/accounts.ts";
import {
  customerOut,
  customerView,
  depositBody,
  ledgerView,
  paymentView,
  signedUpView,
  signUpBody,
} from "./schemas.ts";

export function accountsRoutes(accounts: Accounts, guard: Guard): Hono {
  const app = new Hono();

  app.post("/accounts/customers", async (c) => {
    // A bad token is refused even here: a caller who sends one expects it to count.
    const caller = await guard.optionalCaller(c);
    const body = await readBody(c, signUpBody);
    if (body.balance !== undefined && caller?.kind !== "admin") {
      throw forbidden("Only the admin token may open an account with a balance");
    }
    const { customer, token } = await accounts.signUp(body);
    return c.json({ ...customerOut(customer), token }, 201);
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

  return app;
}

export const accountsDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/accounts/customers",
    summary: "Sign up a customer; returns its token (an opening balance needs the admin token)",
    access: "open",
    status: 201,
    body: signUpBody,
    response: signedUpView,
  },
  {
    method: "get",
    path: "/accounts/customers/:id",
    summary: "A customer and its balance",
    access: "admin or customer",
    status: 200,
    response: customerView,
  },
  {
    method: "post",
    path: "/accounts/customers/:id/deposits",
    summary: "Credit a customer's balance",
    access: "admin",
    status: 200,
    body: depositBody,
    response: customerView,
  },
  {
    method: "get",
    path: "/accounts/customers/:id/ledger",
    summary: "A customer's ledger of deposits, charges and refunds, oldest first",
    access: "admin or customer",
    status: 200,
    response: ledgerView,
  },
  {
    method: "get",
    path: "/accounts/payments/:order_id",
    summary: "What happened to an order's payment: charged, failed, voided or refunded",
    access: "admin",
    status: 200,
    response: paymentView,
  },
];
