import assert from "node:assert/strict";
import { Hono } from "hono";
import { Guard } from "../../../lib/auth.ts";
import { installErrorHandling } from "../../../lib/http.ts";
import { testSettings } from "../../../lib/settings.ts";
import type { Settings } from "../../../lib/settings.ts";
import { AccountsService } from "../service.ts";
import { MemoryAccountsStore } from "../store/memory.ts";
import { openApiDocument } from "../../../lib/openapi.ts";
import { accountsRoutes } from "./routes.ts";
import { accountsDocs } from "./docs.ts";

const ADMIN = "test-admin-token";

function setup(overrides: Partial<Settings> = {}) {
  const settings = testSettings(overrides);
  const store = new MemoryAccountsStore();
  const app = new Hono();
  installErrorHandling(app, (error) => {
    throw error;
  });
  app.route("/", accountsRoutes(new AccountsService(store, settings), new Guard(settings)));
  const call = async (
    method: string,
    path: string,
    { token, body, headers = {} }: {
      token?: string;
      body?: unknown;
      headers?: Record<string, string>;
    } = {},
  ) => {
    const init: RequestInit = { method, headers: { ...headers } };
    const h = init.headers as Record<string, string>;
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      h["content-type"] ??= "application/json";
    }
    const response = await app.request(path, init);
    return { status: response.status, json: await response.json() };
  };
  const signUp = async (name: string, balance?: number) => {
    const { status, json } = await call("POST", "/accounts/customers", {
      token: balance === undefined ? undefined : ADMIN,
      body: { name, email: `${name.toLowerCase()}@example.com`, balance },
    });
    assert.equal(status, 201, JSON.stringify(json));
    return json as { id: string; token: string; balance: number };
  };
  return { store, call, signUp };
}

function assertError(result: { status: number; json: unknown }, status: number, code: string) {
  assert.equal(result.status, status, JSON.stringify(result.json));
  const error = (result.json as { error?: { code?: string; message?: string } }).error;
  assert.equal(error?.code, code);
  assert.ok(error?.message, "the error says what went wrong");
}

Deno.test("POST /accounts/customers signs up anyone and credits the sign-up credit", async () => {
  const { call, store } = setup({ signupCredit: 250 });
  const { status, json } = await call("POST", "/accounts/customers", {
    body: { name: "  Ada Lovelace ", email: "ada@example.com" },
  });
  assert.equal(status, 201);
  assert.deepEqual(Object.keys(json).sort(), ["balance", "email", "id", "name", "token"]);
  assert.equal(json.name, "Ada Lovelace");
  assert.equal(json.balance, 250);
  const own = await call("GET", `/accounts/customers/${json.id}`, { token: json.token });
  assert.deepEqual(own.json, {
    id: json.id,
    name: "Ada Lovelace",
    email: "ada@example.com",
    balance: 250,
  });
  const ledger = await call("GET", `/accounts/customers/${json.id}/ledger`, { token: json.token });
  assert.deepEqual(
    ledger.json.items.map((e: { type: string; amount: number }) => [e.type, e.amount]),
    [
      ["deposit", 250],
    ],
  );
  const events = await store.outbox.peek(10);
  assert.deepEqual(events.map((e) => e.envelope.data), [
    { customer_id: json.id, name: "Ada Lovelace", email: "ada@example.com" },
  ]);
});

Deno.test("POST /accounts/customers takes an opening balance from the admin only", async () => {
  const { call, store } = setup({ signupCredit: 5 });
  const body = { name: "Rich", email: "rich@example.com", balance: 1000 };
  assertError(await call("POST", "/accounts/customers", { body }), 403, "forbidden");
  const customer = await call("POST", "/accounts/customers", {
    body: { name: "Cus", email: "cus@example.com" },
  });
  assertError(
    await call("POST", "/accounts/customers", { body, token: customer.json.token }),
    403,
    "forbidden",
  );
  assertError(
    await call("POST", "/accounts/customers", { body, token: "forged" }),
    401,
    "unauthorized",
  );
  const rich = await call("POST", "/accounts/customers", { body, token: ADMIN });
  assert.equal(rich.status, 201);
  assert.equal(rich.json.balance, 1005);
  const audit = await store.audit(rich.json.id);
  assert.deepEqual(audit, { balance: 1005, deposits: 1005, charges: 0, refunds: 0 });
});

Deno.test("POST /accounts/customers answers 409 for a taken email, whatever its case", async () => {
  const { call, store } = setup();
  await call("POST", "/accounts/customers", { body: { name: "A", email: "same@example.com" } });
  assertError(
    await call("POST", "/accounts/customers", { body: { name: "B", email: "SAME@example.com" } }),
    409,
    "conflict",
  );
  assert.equal((await store.outbox.peek(10)).length, 1);
});

Deno.test("POST /accounts/customers refuses bad input and stores nothing", async () => {
  const { call, store } = setup();
  const cases: [string, RequestInit["body"] | unknown, Record<string, string>, number][] = [
    ["missing name", { email: "x@example.com" }, {}, 400],
    ["missing email", { name: "X" }, {}, 400],
    ["blank name", { name: "   ", email: "x@example.com" }, {}, 400],
    ["bad email", { name: "X", email: "not-an-email" }, {}, 400],
    ["unknown field", { name: "X", email: "x@example.com", admin: true }, {}, 400],
    ["name not a string", { name: 42, email: "x@example.com" }, {}, 400],
    ["array body", [], {}, 400],
    ["non-JSON", "{name: X", {}, 400],
    ["wrong content type", "name=X", { "content-type": "application/x-www-form-urlencoded" }, 415],
    ["huge body", { name: "x".repeat(2 * 1024 * 1024), email: "x@example.com" }, {}, 413],
  ];
  for (const [label, body, headers, status] of cases) {
    const result = await call("POST", "/accounts/customers", { body, headers });
    assert.equal(result.status, status, `${label}: ${JSON.stringify(result.json)}`);
    assert.ok(result.json.error?.code, `${label} has an error body`);
  }
  for (const balance of [-1, 1.5, "100", null]) {
    const result = await call("POST", "/accounts/customers", {
      token: ADMIN,
      body: { name: "X", email: "x@example.com", balance },
    });
    assertError(result, 400, "invalid_request");
  }
  assert.equal((await store.outbox.peek(10)).length, 0);
  // The email is still free: nothing half-written claimed it.
  const ok = await call("POST", "/accounts/customers", {
    body: { name: "X", email: "x@example.com" },
  });
  assert.equal(ok.status, 201);
});

Deno.test("GET /accounts/customers/:id shows a customer only to itself and the admin", async () => {
  const { call, signUp } = setup();
  const ada = await signUp("Ada");
  const bob = await signUp("Bob");
  assertError(await call("GET", `/accounts/customers/${ada.id}`), 401, "unauthorized");
  assertError(
    await call("GET", `/accounts/customers/${ada.id}`, { token: "c1.bogus.token" }),
    401,
    "unauthorized",
  );
  for (const path of [`/accounts/customers/${ada.id}`, `/accounts/customers/${ada.id}/ledger`]) {
    assertError(await call("GET", path, { token: bob.token }), 403, "forbidden");
    assert.equal((await call("GET", path, { token: ada.token })).status, 200);
    assert.equal((await call("GET", path, { token: ADMIN })).status, 200);
  }
  assertError(await call("GET", "/accounts/customers/nobody", { token: ADMIN }), 404, "not_found");
  assertError(
    await call("GET", "/accounts/customers/nobody/ledger", { token: ADMIN }),
    404,
    "not_found",
  );
});

Deno.test("POST /accounts/customers/:id/deposits is for the admin only", async () => {
  const { call, signUp } = setup();
  const ada = await signUp("Ada");
  const path = `/accounts/customers/${ada.id}/deposits`;
  assertError(await call("POST", path, { body: { amount: 100 } }), 401, "unauthorized");
  assertError(
    await call("POST", path, { body: { amount: 100 }, token: ada.token }),
    403,
    "forbidden",
  );
  const done = await call("POST", path, { body: { amount: 100 }, token: ADMIN });
  assert.equal(done.status, 200);
  assert.deepEqual(done.json, { id: ada.id, name: "Ada", email: "ada@example.com", balance: 100 });
  await call("POST", path, { body: { amount: 7 }, token: ADMIN });
  const ledger = await call("GET", `/accounts/customers/${ada.id}/ledger`, { token: ada.token });
  assert.deepEqual(ledger.json.items.map((e: { amount: number }) => e.amount), [100, 7]);
  assertError(
    await call("POST", "/accounts/customers/nobody/deposits", {
      body: { amount: 1 },
      token: ADMIN,
    }),
    404,
    "not_found",
  );
});

Deno.test("POST /accounts/customers/:id/deposits refuses bad amounts and changes nothing", async () => {
  const { call, signUp } = setup();
  const ada = await signUp("Ada", 50);
  const path = `/accounts/customers/${ada.id}/deposits`;
  const cases: [string, unknown, Record<string, string>, number][] = [
    ["negative", { amount: -5 }, {}, 400],
    ["zero", { amount: 0 }, {}, 400],
    ["fractional", { amount: 1.5 }, {}, 400],
    ["string", { amount: "10" }, {}, 400],
    ["null", { amount: null }, {}, 400],
    ["too large", { amount: 2 ** 60 }, {}, 400],
    ["missing", {}, {}, 400],
    ["unknown field", { amount: 5, note: "hi" }, {}, 400],
    ["non-JSON", "amount=5", {}, 400],
    ["wrong content type", '{"amount":5}', { "content-type": "application/xml" }, 415],
    ["huge body", { amount: 5, pad: "x".repeat(2 * 1024 * 1024) }, {}, 413],
  ];
  for (const [label, body, headers, status] of cases) {
    const result = await call("POST", path, { body, headers, token: ADMIN });
    assert.equal(result.status, status, `${label}: ${JSON.stringify(result.json)}`);
    assert.ok(result.json.error?.message, `${label} says why`);
  }
  const after = await call("GET", `/accounts/customers/${ada.id}`, { token: ADMIN });
  assert.equal(after.json.balance, 50);
  const ledger = await call("GET", `/accounts/customers/${ada.id}/ledger`, { token: ADMIN });
  assert.equal(ledger.json.items.length, 1);
});

Deno.test("GET /accounts/payments/:order_id is the admin's view of an order's payment", async () => {
  const { call, signUp, store } = setup();
  const ada = await signUp("Ada", 100);
  await store.refundPayment("o-void", ada.id, new Date().toISOString(), () => {
    throw new Error("nothing was charged, so no event is built");
  });
  assertError(await call("GET", "/accounts/payments/o-void"), 401, "unauthorized");
  assertError(
    await call("GET", "/accounts/payments/o-void", { token: ada.token }),
    403,
    "forbidden",
  );
  const seen = await call("GET", "/accounts/payments/o-void", { token: ADMIN });
  assert.equal(seen.status, 200);
  assert.deepEqual([seen.json.status, seen.json.customer_id], ["voided", ada.id]);
  assertError(await call("GET", "/accounts/payments/none", { token: ADMIN }), 404, "not_found");
});

Deno.test("POST /accounts/customers refuses an opening balance the sign-up credit would overflow", async () => {
  const { call, store } = setup({ signupCredit: 10 });
  const result = await call("POST", "/accounts/customers", {
    token: ADMIN,
    body: { name: "Max", email: "max@example.com", balance: Number.MAX_SAFE_INTEGER - 5 },
  });
  assertError(result, 400, "invalid_request");
  assert.equal((await store.outbox.peek(10)).length, 0);
});

Deno.test("accounts routes describe themselves in the OpenAPI document", () => {
  const doc = openApiDocument(accountsDocs, "test") as { paths: Record<string, object> };
  assert.deepEqual(Object.keys(doc.paths), [
    "/accounts/customers",
    "/accounts/customers/{id}",
    "/accounts/customers/{id}/deposits",
    "/accounts/customers/{id}/ledger",
    "/accounts/payments/{order_id}",
    "/accounts/sessions",
    "/accounts/sessions/current",
  ]);
  const paths = doc.paths as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(paths["/accounts/customers"]!), ["post", "get"]);
  assert.deepEqual(Object.keys(paths["/accounts/sessions"]!), ["post", "delete"]);
});
