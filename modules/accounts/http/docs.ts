/**
 * The accounts routes for /openapi.json, in the order `routes.ts` serves them.
 *
 * @module
 */
import type { RouteDoc } from "../../../lib/openapi.ts";
import {
  currentSessionView,
  customerListView,
  customerView,
  depositBody,
  ledgerView,
  listCustomersQuery,
  paymentView,
  sessionView,
  signedUpView,
  signInBody,
  signUpBody,
} from "./schemas.ts";

const sessionDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/accounts/sessions",
    summary: "Sign in with email and password: a token, and the `bazaar_session` cookie " +
      "(HttpOnly, SameSite=Lax). 401 for a wrong email or password; past SIGNIN_FAILURE_LIMIT " +
      "failures per email or client address in SIGNIN_WINDOW_S, 429 with Retry-After.",
    access: "open",
    status: 200,
    body: signInBody,
    response: sessionView,
  },
  {
    method: "get",
    path: "/accounts/sessions/current",
    summary: "Who is signed in (the session cookie or a customer bearer token); 401 when no one",
    access: "customer",
    status: 200,
    response: currentSessionView,
  },
  {
    method: "delete",
    path: "/accounts/sessions",
    summary: "Sign out: clears the session cookie (the token itself lives until it expires)",
    access: "open",
    status: 204,
  },
];

export const accountsDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/accounts/customers",
    summary: "Sign up a customer; returns its token and (unless the admin calls) sets the " +
      "session cookie. With a `password` (8 to 256 characters) the customer can sign in again. " +
      "An opening balance needs the admin token.",
    access: "open",
    status: 201,
    body: signUpBody,
    response: signedUpView,
  },
  {
    method: "get",
    path: "/accounts/customers",
    summary: "Customers, newest first; `q` matches a case-insensitive substring of the name or " +
      "email. `limit` per page (default 100, at most 1000); pass a page's `next_cursor` as " +
      "`cursor` for the next page (`next_cursor` is null on the last one).",
    access: "admin",
    status: 200,
    query: listCustomersQuery,
    response: customerListView,
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
  ...sessionDocs,
];
