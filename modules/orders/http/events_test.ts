import assert from "node:assert/strict";
import { Guard } from "../../../lib/auth.ts";
import { silentLogger } from "../../../lib/logger.ts";
import { routedApp } from "../../../testing/routed_app.ts";
import { SseReader } from "../../../testing/sse.ts";
import { waitFor } from "../../../testing/wait.ts";
import { OrderService } from "../service.ts";
import { MemoryOrderStore } from "../store/memory.ts";
import {
  ADMIN,
  customer,
  harness,
  ORDER,
  settings,
} from "../../../testing/modules/orders/http_harness.ts";
import { lastEventId } from "./events.ts";
import { orderRoutes } from "./routes.ts";

async function placed(h: Awaited<ReturnType<typeof harness>>): Promise<string> {
  const response = await h.place(ORDER);
  assert.equal(response.status, 202);
  return (await response.json()).id;
}

function events(
  h: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
) {
  return async (id: string, headers: Record<string, string> = {}) =>
    await h.request(`/orders/${id}/events`, { headers: { authorization: ADMIN, ...headers } });
}

const statusOf = (data: string) => JSON.parse(data).status;

Deno.test("lastEventId() reads a count, and 0 for anything else", () => {
  assert.equal(lastEventId(undefined), 0);
  assert.equal(lastEventId("3"), 3);
  assert.equal(lastEventId(" 2 "), 2);
  for (const bad of ["", "x", "-1", "1.5", "9999999999"]) assert.equal(lastEventId(bad), 0, bad);
});

Deno.test("GET /orders/:id/events streams each status, then closes at a terminal one", async () => {
  const h = await harness();
  const id = await placed(h);
  const response = await events(h)(id);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  assert.equal(response.headers.get("cache-control"), "no-cache");
  assert.equal(response.headers.get("x-accel-buffering"), "no");
  const stream = new SseReader(response);
  const first = await stream.next();
  assert.deepEqual({ id: first?.id, event: first?.event }, { id: "1", event: "status" });
  const order = await (await h.request(`/orders/${id}`, { headers: { authorization: ADMIN } }))
    .json();
  assert.deepEqual(JSON.parse(first!.data), order, "the data is the order as GET /orders/:id");

  await h.service.apply(id, {
    kind: "stock_reserved",
    lines: [{ product_id: "p1", quantity: 2, unit_price: 500 }],
  }, null);
  await h.service.apply(id, { kind: "payment_succeeded", amount: 1_000 }, null);
  await h.service.apply(id, { kind: "reservation_committed" }, null);
  const rest = await stream.rest();
  assert.deepEqual(rest.map((e) => [e.id, statusOf(e.data)]), [
    ["2", "reserved"],
    ["3", "paid"],
    ["4", "confirmed"],
  ]);
  assert.ok(stream.ended, "closed after confirmed");
  assert.deepEqual(JSON.parse(rest[2]!.data).history.map((e: { status: string }) => e.status), [
    "pending",
    "reserved",
    "paid",
    "confirmed",
  ]);
  assert.equal(h.service.changes.watched, 0, "nothing left listening");
  assert.deepEqual(h.unexpected, []);
});

Deno.test("GET /orders/:id/events with Last-Event-ID sends only what came after", async () => {
  const h = await harness();
  const id = await placed(h);
  await h.service.apply(id, {
    kind: "stock_reserved",
    lines: [{ product_id: "p1", quantity: 2, unit_price: 500 }],
  }, null);
  const resumed = new SseReader(await events(h)(id, { "last-event-id": "2" }));
  await h.service.cancel(id);
  const rest = await resumed.rest();
  assert.deepEqual(rest.map((e) => [e.id, statusOf(e.data)]), [["3", "cancelled"]]);

  const behind = new SseReader(await events(h)(id, { "last-event-id": "1" }));
  assert.deepEqual((await behind.rest()).map((e) => [e.id, statusOf(e.data)]), [
    ["3", "cancelled"],
  ], "a client that missed several changes gets the order as it is now");

  const done = new SseReader(await events(h)(id, { "last-event-id": "3" }));
  assert.deepEqual(await done.rest(), [], "terminal and already seen: closed at once");
  assert.ok(done.ended);
  assert.equal(h.service.changes.watched, 0);
});

Deno.test("GET /orders/:id/events: 401 without a token, 403 for another customer, 404 unknown", async () => {
  const h = await harness();
  const id = await placed(h);
  const as = (token: string) => ({ authorization: token });
  const other = await h.request(`/orders/${id}/events`, { headers: as(await customer("cus_2")) });
  assert.equal(other.status, 403);
  assert.equal((await other.json()).error.code, "forbidden");
  const own = await h.request(`/orders/${id}/events`, { headers: as(await customer("cus_1")) });
  assert.equal(own.status, 200);
  await own.body?.cancel();
  const unknown = await h.request("/orders/ord_nope/events", { headers: as(ADMIN) });
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).error.code, "not_found");
  assert.equal((await h.request(`/orders/${id}/events`)).status, 401);
  await waitFor(() => h.service.changes.watched === 0, { message: "the stream let go" });
});

Deno.test("GET /orders/:id/events sends a ping comment and lets go when the client leaves", async () => {
  const store = new MemoryOrderStore();
  const service = new OrderService(store, settings, silentLogger, { pollMs: 10_000 });
  const { app } = routedApp(
    orderRoutes(service, new Guard(settings), undefined, { heartbeatMs: 20 }),
  );
  const response = await app.request("/orders", {
    method: "POST",
    headers: { authorization: ADMIN, "content-type": "application/json" },
    body: JSON.stringify(ORDER),
  });
  const { id } = await response.json();
  const stream = new SseReader(await events({ request: (p, i) => app.request(p, i) })(id));
  assert.equal(statusOf((await stream.next())!.data), "pending");
  await stream.comment("ping");
  assert.equal(service.changes.watched, 1);
  await stream.cancel();
  await waitFor(() => service.changes.watched === 0, { message: "the stream let go" });
});

Deno.test("Prefer: wait and event streams hear of another process's change by re-reading", async () => {
  const store = new MemoryOrderStore();
  // Two processes on one store: each hears only its own writes at once.
  const here = new OrderService(store, settings, silentLogger, { pollMs: 50 });
  const there = new OrderService(store, settings, silentLogger, { pollMs: 50 });
  const { app } = routedApp(orderRoutes(here, new Guard(settings)));
  const { order } = await here.place(ORDER);
  const stream = new SseReader(await events({ request: (p, i) => app.request(p, i) })(order.id));
  assert.equal(statusOf((await stream.next())!.data), "pending");
  const waited = here.awaitOutcome(order.id, 5_000);
  await there.apply(order.id, {
    kind: "reservation_rejected",
    reason: "out_of_stock",
    product_id: "p1",
  }, null);
  assert.equal((await waited)?.status, "rejected");
  assert.deepEqual((await stream.rest()).map((e) => statusOf(e.data)), ["rejected"]);
  assert.equal(here.changes.watched, 0);
});
