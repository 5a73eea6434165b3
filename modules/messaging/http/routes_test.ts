import assert from "node:assert/strict";
import { Hono } from "hono";
import { Guard, signCustomerToken } from "../../../lib/auth.ts";
import { installErrorHandling } from "../../../lib/http.ts";
import { testSettings } from "../../../lib/settings.ts";
import { createEnvelope } from "../../../bus/envelope.ts";
import { orderConfirmed } from "../../orders/events.ts";
import { MessagingService } from "../service.ts";
import { MemoryMessagingStore } from "../store/memory.ts";
import { openApiDocument } from "../../../lib/openapi.ts";
import { messagingDocs } from "./docs.ts";
import { messagingRoutes } from "./routes.ts";

const ADMIN = "test-admin-token";
const settings = testSettings();

async function setup(currency = "USD") {
  const store = new MemoryMessagingStore();
  const messaging = new MessagingService(store, "log", () => {}, currency);
  const app = new Hono();
  installErrorHandling(app, (error) => {
    throw error;
  });
  app.route("/", messagingRoutes(messaging, new Guard(settings)));
  const confirm = async (order_id: string, customer_id: string) => {
    const data = {
      order_id,
      customer_id,
      items: [{ product_id: "p-1", quantity: 3, unit_price: 333 }],
      subtotal: 999,
      fee: 0,
      total: 999,
    };
    const cause = createEnvelope("orders", orderConfirmed, data);
    await messaging.notify(
      { kind: "confirmed", order_id, total: 999, subtotal: 999, fee: 0, items: data.items },
      customer_id,
      cause,
      data,
    );
  };
  const get = async (path: string, token?: string, headers: Record<string, string> = {}) => {
    const response = await app.request(path, {
      headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const text = await response.text();
    const type = response.headers.get("content-type") ?? "";
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: type.includes("json") ? JSON.parse(text) : null,
    };
  };
  return {
    store,
    confirm,
    get,
    ada: await signCustomerToken(settings.authSecret, "cus-ada"),
    bob: await signCustomerToken(settings.authSecret, "cus-bob"),
  };
}

function assertError(result: { status: number; json: unknown }, status: number, code: string) {
  assert.equal(result.status, status, JSON.stringify(result.json));
  assert.equal((result.json as { error?: { code?: string } }).error?.code, code);
}

Deno.test("GET /messaging/notifications shows a customer only its own", async () => {
  const { confirm, get, ada, bob } = await setup();
  await confirm("o-ada", "cus-ada");
  await confirm("o-bob", "cus-bob");
  const orders = (result: { json: { items: { order_id: string }[] } }) =>
    result.json.items.map((n) => n.order_id);

  assertError(await get("/messaging/notifications"), 401, "unauthorized");
  assertError(await get("/messaging/notifications", "forged"), 401, "unauthorized");
  assert.deepEqual(orders(await get("/messaging/notifications", ada)), ["o-ada"]);
  assert.deepEqual(orders(await get("/messaging/notifications?customer_id=cus-ada", ada)), [
    "o-ada",
  ]);
  assertError(await get("/messaging/notifications?customer_id=cus-bob", ada), 403, "forbidden");
  // Another customer's order, named directly, still shows nothing of theirs.
  assert.deepEqual(orders(await get("/messaging/notifications?order_id=o-bob", ada)), []);
  assert.deepEqual(orders(await get("/messaging/notifications", bob)), ["o-bob"]);

  assert.deepEqual(orders(await get("/messaging/notifications", ADMIN)), ["o-bob", "o-ada"]);
  assert.deepEqual(orders(await get("/messaging/notifications?limit=1", ADMIN)), ["o-bob"]);
  assert.deepEqual(orders(await get("/messaging/notifications?customer_id=cus-ada", ADMIN)), [
    "o-ada",
  ]);
  assert.deepEqual(orders(await get("/messaging/notifications?order_id=o-bob", ADMIN)), ["o-bob"]);
  const [item] = (await get("/messaging/notifications", ada)).json.items;
  assert.deepEqual(Object.keys(item).sort(), [
    "attempts",
    "body",
    "channel",
    "created_at",
    "customer_id",
    "id",
    "kind",
    "last_error",
    "order_id",
    "status",
    "subject",
  ]);
});

Deno.test("GET /messaging/notifications refuses a bad query", async () => {
  const { get } = await setup();
  for (
    const query of [
      "limit=0",
      "limit=-1",
      "limit=1.5",
      "limit=abc",
      "limit=100000",
      "customer_id=",
      "customer_id=%3Cscript%3E",
      "order_id=a%20b",
      "colour=blue",
    ]
  ) {
    assertError(await get(`/messaging/notifications?${query}`, ADMIN), 400, "invalid_request");
  }
});

Deno.test("GET /messaging/invoices/:order_id gives the owner and the admin JSON", async () => {
  const { confirm, get, ada, bob, store } = await setup();
  await store.saveContact({ customer_id: "cus-ada", name: "Ada", email: "ada@example.com" });
  await confirm("o-1", "cus-ada");
  const own = await get("/messaging/invoices/o-1", ada);
  assert.equal(own.status, 200);
  assert.equal(own.headers.get("vary"), "Accept");
  assert.deepEqual(
    { ...own.json, issued_at: "-" },
    {
      order_id: "o-1",
      customer_id: "cus-ada",
      number: "INV-000001",
      items: [{ product_id: "p-1", name: null, quantity: 3, unit_price: 333, amount: 999 }],
      subtotal: 999,
      fee: 0,
      total: 999,
      issued_at: "-",
      customer_name: "Ada",
      customer_email: "ada@example.com",
    },
  );
  assert.equal((await get("/messaging/invoices/o-1", ADMIN)).status, 200);
  assertError(await get("/messaging/invoices/o-1"), 401, "unauthorized");
  assertError(await get("/messaging/invoices/o-1", bob), 403, "forbidden");
  assertError(await get("/messaging/invoices/never-confirmed", ADMIN), 404, "not_found");
  // JSON stays the default for API clients and wildcard Accept headers.
  const wildcard = await get("/messaging/invoices/o-1", ada, { accept: "*/*" });
  assert.equal(wildcard.json?.number, "INV-000001");
});

Deno.test("GET /messaging/invoices/:order_id names a customer who registered late", async () => {
  const { confirm, get, store } = await setup();
  await confirm("o-2", "cus-late");
  assert.equal((await get("/messaging/invoices/o-2", ADMIN)).json.customer_name, null);
  await store.saveContact({ customer_id: "cus-late", name: "Late", email: "late@example.com" });
  const named = (await get("/messaging/invoices/o-2", ADMIN)).json;
  assert.deepEqual([named.customer_name, named.customer_email], ["Late", "late@example.com"]);
});

Deno.test("GET /messaging/invoices/:order_id names products, as issued or as heard since", async () => {
  const { confirm, get, store } = await setup();
  await confirm("o-unnamed", "cus-ada");
  await store.saveProductName({ product_id: "p-1", name: "Teapot", revision: 1 });
  await confirm("o-named", "cus-ada");
  await store.saveProductName({ product_id: "p-1", name: "Kettle", revision: 2 });
  const names = async (order: string) =>
    (await get(`/messaging/invoices/${order}`, ADMIN)).json.items.map((i: { name: string }) =>
      i.name
    );
  assert.deepEqual(await names("o-named"), ["Teapot"], "the name it was sold under");
  assert.deepEqual(await names("o-unnamed"), ["Kettle"], "unknown then, the name known now");
});

Deno.test("GET /messaging/invoices/:order_id shows a product's name, its id small beneath", async () => {
  const { confirm, get, store } = await setup();
  await confirm("o-id", "cus-ada");
  const html = { accept: "text/html" };
  const bare = (await get("/messaging/invoices/o-id", ADMIN, html)).text;
  assert.match(bare, /<tr><td>p-1<\/td>/, "no name: the id");
  await store.saveProductName({ product_id: "p-1", name: "<b>Tea</b> & pot", revision: 1 });
  await confirm("o-name", "cus-ada");
  const named = (await get("/messaging/invoices/o-name", ADMIN, html)).text;
  assert.ok(named.includes("<td>&lt;b&gt;Tea&lt;/b&gt; &amp; pot<small>p-1</small></td>"));
});

Deno.test("GET /messaging/invoices/:order_id renders escaped, printable HTML for browsers", async () => {
  const { confirm, get, ada, store } = await setup();
  await store.saveContact({
    customer_id: "cus-ada",
    name: `<script>alert("x")</script> & Co`,
    email: "ada@example.com",
  });
  await confirm("o-3", "cus-ada");
  const page = await get("/messaging/invoices/o-3", ada, {
    accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  });
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
  assert.match(page.text, /^<!doctype html>/);
  assert.match(page.text, /<title>Invoice INV-000001<\/title>/);
  assert.match(page.text, /@media print/);
  assert.ok(!page.text.includes("<script>"), "the customer's name is escaped");
  assert.ok(page.text.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"));
  assert.ok(page.text.includes("$9.99"), "money is written from cents, in the currency");
  assert.ok(page.text.includes("Amounts are in US Dollar (USD)."));
  // Errors stay JSON even for a browser.
  const missing = await get("/messaging/invoices/none", ada, { accept: "text/html" });
  assertError(missing, 404, "not_found");
});

Deno.test("GET /messaging/invoices/:order_id shows amounts in the shop's currency", async () => {
  const { confirm, get } = await setup("EUR");
  await confirm("o-eur", "cus-ada");
  const page = (await get("/messaging/invoices/o-eur", ADMIN, { accept: "text/html" })).text;
  assert.ok(page.includes('<td class="num">€3.33</td><td class="num">€9.99</td>'), page);
  assert.ok(page.includes("Amounts are in Euro (EUR)."));
  const [notification] = (await get("/messaging/notifications?order_id=o-eur", ADMIN)).json.items;
  assert.match(notification.body, /We charged €9\.99 to your balance/);
});

Deno.test("messaging routes describe themselves in the OpenAPI document", () => {
  const doc = openApiDocument(messagingDocs, "test") as { paths: Record<string, object> };
  assert.deepEqual(Object.keys(doc.paths), [
    "/messaging/notifications",
    "/messaging/invoices/{order_id}",
  ]);
});
