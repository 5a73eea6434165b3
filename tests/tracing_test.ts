/**
 * One order is one trace: with Deno's built-in OpenTelemetry on (OTEL_DENO=true)
 * bazaar processes export to a small OTLP/HTTP JSON receiver, and the order's
 * spans — the HTTP request that placed it, every publish and every handling of
 * its events — form one tree under that request, in one process on the memory
 * bus and across one process per module on Redis Streams. Also: the log
 * level flag, and request logs that carry the trace id.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisKeys } from "../bus/redis/keys.ts";
import { OtlpReceiver, type ReceivedSpan } from "../testing/otlp_receiver.ts";
import { deleteKeys } from "../testing/redis.ts";
import { serviceUrl, uniqueName } from "../testing/services.ts";
import { BazaarServer } from "../testing/spawn.ts";
import { waitFor } from "../testing/wait.ts";

const redisUrl = serviceUrl("REDIS_URL");

/** The happy path of one order: each event, the module that publishes it and the one that handles it. */
const SAGA: readonly { type: string; from: string; to: string | null }[] = [
  { type: "order.placed", from: "orders", to: "inventory" },
  { type: "inventory.stock_reserved", from: "inventory", to: "orders" },
  { type: "order.payment_requested", from: "orders", to: "accounts" },
  { type: "accounts.payment_succeeded", from: "accounts", to: "orders" },
  { type: "order.stock_commit_requested", from: "orders", to: "inventory" },
  { type: "inventory.reservation_committed", from: "inventory", to: "orders" },
  { type: "order.confirmed", from: "orders", to: "messaging" },
  { type: "messaging.notification_created", from: "messaging", to: null },
];

/** ADMIN_TOKEN and AUTH_SECRET of the test's own; every process of a system shares them. */
function secrets(): { ADMIN_TOKEN: string; AUTH_SECRET: string } {
  return { ADMIN_TOKEN: uniqueName("admin"), AUTH_SECRET: uniqueName("secret") };
}

// deno-lint-ignore no-explicit-any
type Json = any;

async function call(
  base: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Where each module's routes are served. */
type Urls = Record<"inventory" | "accounts" | "orders", string>;

/** Creates a product and a customer, places one order and waits until it is confirmed. */
async function confirmedOrder(urls: Urls, admin: string): Promise<string> {
  const product = await call(urls.inventory, "POST", "/inventory/products", admin, {
    name: "Lantern",
    price: 1_500,
    stock: 3,
  });
  assert.equal(product.status, 201, JSON.stringify(product.body));
  const customer = await call(urls.accounts, "POST", "/accounts/customers", admin, {
    name: "Tracy",
    email: `${crypto.randomUUID()}@example.com`,
    balance: 10_000,
  });
  assert.equal(customer.status, 201, JSON.stringify(customer.body));
  const placed = await call(urls.orders, "POST", "/orders", customer.body.token, {
    customer_id: customer.body.id,
    items: [{ product_id: product.body.id, quantity: 1 }],
  });
  assert.equal(placed.status, 202, JSON.stringify(placed.body));
  const order = await waitFor(async () => {
    const reply = await call(urls.orders, "GET", `/orders/${placed.body.id}`, admin);
    return reply.body.status === "pending" || reply.body.status === "reserved" ||
        reply.body.status === "paid"
      ? null
      : reply.body;
  }, { timeoutMs: 20_000, intervalMs: 50, message: "order terminal" });
  assert.equal(order.status, "confirmed", JSON.stringify(order));
  return order.id;
}

const attr = (span: ReceivedSpan, key: string) => span.attributes[key];

interface OrderTrace {
  server: ReceivedSpan;
  /** Every publish and consume span of the order's conversation, in any trace. */
  messaging: ReceivedSpan[];
}

/**
 * The order's spans once every step of the saga has its publish and consume
 * span: found from the one POST /orders server span, through the order.placed
 * publish under it, by the conversation (correlation) id all its events share.
 */
function findOrderTrace(spans: ReceivedSpan[]): OrderTrace | null {
  const servers = spans.filter((s) =>
    s.kind === "server" && attr(s, "http.request.method") === "POST" &&
    attr(s, "http.route") === "/orders"
  );
  assert.ok(servers.length <= 1, `one POST /orders request, got ${servers.length}`);
  const server = servers[0];
  if (!server) return null;
  const placed = spans.find((s) =>
    s.kind === "producer" && s.name === "publish order.placed" &&
    s.parentSpanId === server.spanId
  );
  if (!placed) return null;
  const conversation = attr(placed, "messaging.message.conversation_id");
  const messaging = spans.filter((s) =>
    attr(s, "messaging.message.conversation_id") === conversation
  );
  const complete = SAGA.every(({ type, to }) =>
    messaging.some((s) => s.kind === "producer" && s.name === `publish ${type}`) &&
    (to === null ||
      messaging.some((s) =>
        s.kind === "consumer" && s.name === `process ${type}` &&
        attr(s, "messaging.consumer.group.name") === to
      ))
  );
  return complete ? { server, messaging } : null;
}

/**
 * One trace, one tree: every span of the order's events is in the request's
 * trace, every consumer span is the child of the producer span that sent its
 * message, every producer span the child of a span of the trace (the request
 * or the handler that made the state change), and each module's spans come
 * from the process that runs it (`serviceOf`).
 */
function assertOneTrace(
  spans: ReceivedSpan[],
  found: OrderTrace,
  serviceOf: (module: string) => string,
): void {
  const { server, messaging } = found;
  const traceId = server.traceId;
  assert.equal(server.parentSpanId, null, "the request starts the trace");
  assert.equal(server.name, "POST /orders");
  assert.equal(server.service, serviceOf("orders"));
  const elsewhere = messaging.filter((s) => s.traceId !== traceId);
  assert.deepEqual(
    elsewhere.map((s) => `${s.service}: ${s.name} in trace ${s.traceId}`),
    [],
    "no span of the order's events in a second trace",
  );
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (const span of messaging) {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    assert.ok(parent, `${span.name} (${span.service}) has its parent among the exported spans`);
    assert.equal(parent.traceId, traceId);
    if (span.kind === "consumer") {
      assert.equal(parent.kind, "producer", `${span.name}'s parent is a publish span`);
      assert.equal(
        attr(parent, "messaging.message.id"),
        attr(span, "messaging.message.id"),
        `${span.name}'s parent published that very message`,
      );
    } else {
      assert.equal(span.kind, "producer", `${span.name} is a publish or a process span`);
      assert.ok(
        parent === server || parent.kind === "consumer",
        `${span.name}'s parent is the request or a handler, not ${parent.kind} ${parent.name}`,
      );
    }
  }
  for (const { type, from, to } of SAGA) {
    const published = messaging.filter((s) => s.name === `publish ${type}`);
    assert.ok(published.length >= 1, `publish ${type}`);
    for (const span of published) {
      assert.equal(span.service, serviceOf(from), `publish ${type} by ${from}`);
    }
    if (to === null) continue;
    const processed = messaging.filter((s) =>
      s.name === `process ${type}` && attr(s, "messaging.consumer.group.name") === to
    );
    for (const span of processed) {
      assert.equal(span.service, serviceOf(to), `process ${type} by ${to}`);
    }
  }
}

/** The debug "HTTP request" line of POST /orders: it carries the request's trace id. */
function assertRequestLogged(logs: string, traceId: string): void {
  const lines = logs.split("\n").filter((line) => line.startsWith("{")).map((line) =>
    JSON.parse(line)
  );
  const placed = lines.find((line) =>
    line.message === "HTTP request" && line.method === "POST" && line.path === "/orders"
  );
  assert.ok(placed, "a debug request line for POST /orders");
  assert.equal(placed.trace_id, traceId, "the request log line names the request's trace");
}

Deno.test("OTEL_DENO: one order is one trace, all modules in one process on the memory bus", async () => {
  const receiver = OtlpReceiver.start();
  const keys = secrets();
  let server: BazaarServer | null = null;
  try {
    server = await BazaarServer.start(["--log-level", "debug"], {
      ...keys,
      ...receiver.env("bazaar"),
    });
    await confirmedOrder(
      { inventory: server.url, accounts: server.url, orders: server.url },
      keys.ADMIN_TOKEN,
    );
    const found = await receiver.waitFor(findOrderTrace, { message: "the order's spans" });
    assertOneTrace(receiver.spans(), found, () => "bazaar");
    assertRequestLogged(server.logs(), found.server.traceId);
  } finally {
    if (server) assert.equal(await server.kill("SIGTERM"), 0, server.logs());
    await receiver.close();
  }
});

const MODULES = ["inventory", "accounts", "orders", "messaging"] as const;

Deno.test({
  name: "OTEL_DENO: one order is one trace across one process per module on Redis Streams",
  ignore: redisUrl === null,
  async fn() {
    const receiver = OtlpReceiver.start();
    const keys = secrets();
    const namespace = uniqueName("trace");
    const keyPrefix = `${uniqueName("trace")}:`;
    const servers = new Map<string, BazaarServer>();
    try {
      await Promise.all(MODULES.map(async (module) => {
        const args = ["--modules", module, "--bus", "redis", "--store", "redis"];
        args.push("--redis-url", redisUrl!, "--namespace", namespace);
        if (module === "orders") args.push("--log-level", "debug");
        servers.set(
          module,
          await BazaarServer.start(args, {
            ...keys,
            KEY_PREFIX: keyPrefix,
            ...receiver.env(`bazaar-${module}`),
          }),
        );
      }));
      const url = (module: string) => servers.get(module)!.url;
      await confirmedOrder(
        { inventory: url("inventory"), accounts: url("accounts"), orders: url("orders") },
        keys.ADMIN_TOKEN,
      );
      const found = await receiver.waitFor(findOrderTrace, { message: "the order's spans" });
      assertOneTrace(receiver.spans(), found, (module) => `bazaar-${module}`);
      assertRequestLogged(servers.get("orders")!.logs(), found.server.traceId);
    } finally {
      const codes = await Promise.all(
        [...servers].map(async ([module, server]) => [module, await server.kill("SIGTERM")]),
      );
      await receiver.close();
      const redis = new Redis(redisUrl!, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      try {
        await deleteKeys(redis, new RedisKeys(namespace).prefix);
        await deleteKeys(redis, keyPrefix);
      } finally {
        await redis.quit();
      }
      assert.deepEqual(codes, [...servers].map(([module]) => [module, 0]), "every process exits 0");
    }
  },
});

Deno.test("--log-level warn keeps the info line out; debug shows it and every request", async () => {
  const keys = secrets();
  for (const level of ["warn", "debug"]) {
    const server = await BazaarServer.start(["--log-level", level], { ...keys });
    const health = await fetch(`${server.url}/health`);
    await health.body?.cancel();
    assert.equal(await server.kill("SIGTERM"), 0, server.logs());
    const messages = server.logs().split("\n").filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    const listening = messages.some((line) => line.message === "Listening");
    const requests = messages.filter((line) => line.message === "HTTP request");
    if (level === "warn") {
      assert.equal(listening, false, server.logs());
      assert.deepEqual(requests, [], "no debug request lines at warn");
    } else {
      assert.equal(listening, true, server.logs());
      assert.ok(
        requests.some((line) => line.path === "/health" && line.status === 200),
        server.logs(),
      );
    }
  }
});
