/**
 * Hostile input, generated (`npm:fast-check`): every operation of the
 * process's own OpenAPI document gets random and hostile requests
 * (testing/hostile.ts) — bodies, headers, query strings, path parameters —
 * with no token, garbage credentials, a customer's token or cookie, another
 * customer's cookie, and the admin token. Every answer must be below 500,
 * every 4xx the SPEC error body, and no answer to a customer (or to nobody)
 * may carry another customer's id, email or orders. After each family of
 * routes the records are read back through the API: the SPEC invariants
 * hold (stock, money, one notification per outcome, nothing charged twice)
 * and no record lacks a field. A plausible body with bytes that are not
 * UTF-8 is a 400.
 *
 * Seeded: FUZZ_SEED=<n> replays a run (the seed is printed at the start and
 * by fast-check on failure); FUZZ_RUNS=<n> per family (default 400).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  bodyArbitraries,
  type HostileRequest,
  type Known,
  type Operation,
  operationsOf,
  requestFor,
} from "../testing/hostile.ts";
import { type Customer, Shop } from "../testing/shop.ts";
import { startSystem, type TestSystem } from "../testing/system.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 400);
/** No request may take longer (Prefer: wait counts as at most 30 s, but orders settle in ms here). */
const REQUEST_TIMEOUT_MS = 10_000;

interface Person extends Customer {
  email: string;
  /** Strings that are this customer's alone: id, email, order ids. */
  markers: Set<string>;
}

interface Fixture {
  system: TestSystem;
  shop: Shop;
  a: Person;
  b: Person;
  products: string[];
  known: Known;
}

async function person(system: TestSystem, shop: Shop, name: string): Promise<Person> {
  const email = `${name.toLowerCase()}-${crypto.randomUUID()}@example.com`;
  const reply = await system.call("POST", "/accounts/customers", {
    token: system.admin,
    body: { name, email, balance: 1_000_000, password: "correct horse battery" },
  });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  const customer = { id: reply.body.id, token: reply.body.token, email };
  shop.customers.push(customer);
  return { ...customer, markers: new Set([customer.id, email]) };
}

async function fixture(system: TestSystem): Promise<Fixture> {
  const shop = new Shop(system);
  const products = await Promise.all([10_000, 10_000, 3].map((stock) => shop.product(stock, 150)));
  const a = await person(system, shop, "Ada");
  const b = await person(system, shop, "Bob");
  for (const who of [a, b]) {
    const order = await shop.order(who, [{ product_id: products[0]!, quantity: 1 }]);
    who.markers.add(order.id);
  }
  const known: Known = {
    admin: system.admin,
    tokens: { a: a.token, b: b.token },
    emails: [a.email, b.email],
    ids: () => [...shop.stockIn.keys(), a.id, b.id, ...a.markers, ...b.markers],
    customers: () => [a.id, b.id],
    products: () => [...shop.stockIn.keys()],
  };
  return { system, shop, a, b, products, known };
}

function describe(request: HostileRequest): string {
  const body = request.body ? new TextDecoder().decode(request.body).slice(0, 300) : "";
  return `${request.method} ${request.url.slice(0, 300)} as ${request.identity} ` +
    `${JSON.stringify(request.headers.map(([k, v]) => [k, v.slice(0, 80)]))} ${body}`;
}

/** Sends a request to the app; the status, content type and text (null when it never ended). */
async function send(system: TestSystem, request: HostileRequest) {
  let init: Request;
  try {
    init = new Request(`http://localhost${request.url}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
  } catch {
    return null; // No client can send it (a header Fetch refuses, say).
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"hung">((resolve) => {
    timer = setTimeout(resolve, REQUEST_TIMEOUT_MS, "hung");
  });
  try {
    const response = await Promise.race([system.process.app.fetch(init), timeout]);
    if (response === "hung") throw new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`);
    const type = response.headers.get("content-type") ?? "";
    // An event stream stays open until the order is terminal: its first bytes are enough.
    const text = type.startsWith("text/event-stream")
      ? await firstChunk(response)
      : await Promise.race([response.text(), timeout]);
    if (text === "hung") throw new Error(`body unfinished after ${REQUEST_TIMEOUT_MS} ms`);
    return { status: response.status, type, text };
  } finally {
    clearTimeout(timer);
  }
}

async function firstChunk(response: Response): Promise<string> {
  if (!response.body) return ""; // HEAD
  const reader = response.body.getReader();
  const first = await reader.read();
  await reader.cancel();
  return first.value ? new TextDecoder().decode(first.value) : "";
}

/** What a success changed, so the invariants know it: new products, restocks, customers, orders. */
function remember(f: Fixture, request: HostileRequest, status: number, text: string): void {
  if (status >= 300 || !text.startsWith("{")) return;
  const path = request.url.split("?")[0]!;
  const body = JSON.parse(text);
  let sent;
  try {
    sent = request.body ? JSON.parse(new TextDecoder().decode(request.body)) : null;
  } catch {
    sent = null; // A route that reads no body took one that is no JSON.
  }
  if (request.method === "POST" && path === "/inventory/products" && status === 201) {
    f.shop.stockIn.set(body.id, body.stock);
  } else if (request.method === "POST" && /^\/inventory\/products\/[^/]+\/restock$/.test(path)) {
    f.shop.stockIn.set(body.id, (f.shop.stockIn.get(body.id) ?? 0) + sent?.quantity);
  } else if (request.method === "POST" && path === "/accounts/customers" && status === 201) {
    f.shop.customers.push({ id: body.id, token: body.token });
  } else if (request.method === "POST" && path === "/orders" && body.id) {
    if (f.shop.customers.some((c) => c.id === body.customer_id)) f.shop.accepted.add(body.id);
    for (const who of [f.a, f.b]) if (body.customer_id === who.id) who.markers.add(body.id);
  }
}

function assertErrorBody(text: string, what: string): void {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`4xx whose body is not JSON: ${text.slice(0, 200)}\n${what}`);
  }
  assert.equal(typeof body?.error?.code, "string", `4xx without error.code: ${text}\n${what}`);
  assert.equal(
    typeof body?.error?.message,
    "string",
    `4xx without error.message: ${text}\n${what}`,
  );
}

/** Another customer's id, email or orders in the answer (unless the request itself named them). */
function assertNoLeak(f: Fixture, request: HostileRequest, text: string, what: string): void {
  const others = request.identity === "admin"
    ? []
    : request.identity === "a"
    ? [f.b]
    : request.identity === "b"
    ? [f.a]
    : [f.a, f.b];
  const asked = decodeLoosely(request.url) + JSON.stringify(request.headers) +
    (request.body ? new TextDecoder().decode(request.body) : "");
  for (const other of others) {
    for (const marker of other.markers) {
      if (asked.includes(marker) || asked.includes(encodeURIComponent(marker))) continue;
      assert.ok(!text.includes(marker), `answer carries ${marker} of another customer\n${what}`);
    }
  }
}

function decodeLoosely(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

/** Statuses seen in the current family, to show (and assert) how deep the requests reach. */
const tally = new Map<number, number>();

async function checkRequest(f: Fixture, request: HostileRequest): Promise<void> {
  const what = describe(request);
  const answer = await send(f.system, request).catch((error) => {
    throw new Error(`${(error as Error).message}\n${what}`);
  });
  if (answer === null) return;
  tally.set(answer.status, (tally.get(answer.status) ?? 0) + 1);
  assert.ok(answer.status < 500, `HTTP ${answer.status}: ${answer.text.slice(0, 300)}\n${what}`);
  if (answer.status >= 400 && request.method !== "HEAD") assertErrorBody(answer.text, what);
  assertNoLeak(f, request, answer.text, what);
  remember(f, request, answer.status, answer.text);
}

const FIELDS = {
  product: ["id", "name", "price", "stock", "reserved", "created_at", "updated_at"],
  customer: ["id", "name", "email", "balance"],
  order: ["id", "customer_id", "items", "subtotal", "total", "status", "history", "created_at"],
};

/** Every record read back whole: the SPEC invariants, and no record missing a field. */
async function checkRecords(f: Fixture): Promise<void> {
  await f.shop.assertInvariants({ notifications: true, timeoutMs: 10_000 });
  const { call, admin } = f.system;
  const lists = [
    ["/inventory/products?limit=100", FIELDS.product],
    ["/accounts/customers?limit=100", FIELDS.customer],
    ...f.shop.customers.map((c) => [`/orders?customer_id=${c.id}&limit=100`, FIELDS.order]),
  ] as const;
  for (const [path, fields] of lists) {
    let cursor: string | null = null;
    do {
      const reply = await call("GET", path + (cursor ? `&cursor=${cursor}` : ""), {
        token: admin,
      });
      assert.equal(reply.status, 200, `${path}: ${JSON.stringify(reply.body)}`);
      for (const record of reply.body.items) {
        for (const field of fields) {
          assert.ok(
            record[field] !== undefined,
            `${path}: record without ${field}: ${JSON.stringify(record)}`,
          );
        }
        for (const value of Object.values(record)) {
          if (typeof value === "string") assert.ok(value.isWellFormed(), JSON.stringify(record));
        }
      }
      cursor = reply.body.next_cursor ?? null;
    } while (cursor);
  }
}

/** Routes in families of their first path segment (the process's own under "process"). */
function families(operations: Operation[]): Map<string, Operation[]> {
  const byFamily = new Map<string, Operation[]>();
  for (const operation of operations) {
    const first = operation.path.split("/")[1] ?? "";
    const family = ["inventory", "accounts", "orders", "messaging"].includes(first)
      ? first
      : "process";
    byFamily.set(family, [...byFamily.get(family) ?? [], operation]);
  }
  // Deletions last: the catalog the other families order from stays.
  return new Map(
    ["process", "messaging", "accounts", "orders", "inventory"].flatMap((name) =>
      byFamily.has(name) ? [[name, byFamily.get(name)!]] : []
    ),
  );
}

Deno.test("every route answers hostile requests below 500 with the SPEC error body, leaks nothing and stores no half-record", async (t) => {
  console.log(`hostile input: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
  const system = await startSystem("memory");
  try {
    const f = await fixture(system);
    const document = (await system.call("GET", "/openapi.json")).body;
    const operations = operationsOf(document);
    assert.ok(operations.length > 30, `only ${operations.length} operations documented`);

    for (const [family, ops] of families(operations)) {
      await t.step(`${family}: ${ops.length} operations, ${RUNS} requests`, async () => {
        const started = performance.now();
        tally.clear();
        const requests = fc.oneof(...ops.map((op) => requestFor(op, f.known)));
        await fc.assert(fc.asyncProperty(requests, (request) => checkRequest(f, request)), {
          seed: SEED,
          numRuns: RUNS,
          endOnFailure: true,
        });
        await checkRecords(f);
        const statuses = [...tally].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
        console.log(
          `  ${family}: ${Math.round(performance.now() - started)} ms; ${statuses.join(" ")}`,
        );
        const succeeded = [...tally].filter(([s]) => s < 300).reduce((sum, [, n]) => sum + n, 0);
        assert.ok(succeeded > 0, `no request of ${family} got past validation`);
      });
    }

    await t.step("a body that is not valid UTF-8 is a 400, never stored", async () => {
      for (const operation of operations.filter((op) => op.body)) {
        const product = await f.shop.product(5, 100, "Fresh");
        const path = operation.path.replace(
          /\{[^}]+\}/,
          operation.path.startsWith("/accounts") ? f.a.id : product,
        );
        await fc.assert(
          fc.asyncProperty(bodyArbitraries(operation, f.known).notUtf8, async (bytes) => {
            const request: HostileRequest = {
              method: operation.method.toUpperCase(),
              url: path,
              headers: [["authorization", `Bearer ${system.admin}`], [
                "content-type",
                "application/json",
              ]],
              body: bytes,
              identity: "admin",
              invalidUtf8: true,
            };
            const answer = await send(system, request);
            assert.ok(answer, describe(request));
            assert.equal(answer.status, 400, `${answer.text}\n${describe(request)}`);
            assertErrorBody(answer.text, describe(request));
            assert.match(JSON.parse(answer.text).error.message, /UTF-8/);
          }),
          { seed: SEED, numRuns: 25, endOnFailure: true },
        );
      }
      await checkRecords(f);
    });
  } finally {
    await system.stop();
  }
});
