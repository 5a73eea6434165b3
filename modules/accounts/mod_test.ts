import assert from "node:assert/strict";
import type { Hono } from "hono";
import type { Envelope } from "../../bus/types.ts";
import type { StoreKind } from "../../lib/module.ts";
import {
  type ModuleHarness,
  startModule,
  storeTests,
  withModule,
} from "../../testing/module_harness.ts";
import { serviceUrl } from "../../testing/services.ts";
import { waitFor } from "../../testing/wait.ts";
import { paymentRequested, refundRequested } from "../orders/events.ts";
import { accountsEvents } from "./events.ts";
import { accountsModule } from "./mod.ts";

const ADMIN = "test-admin-token";
const redisUrl = serviceUrl("REDIS_URL");

/**
 * Accounts on a private memory bus, with a test group listening to what it
 * says (`seen`); stopping checks every Redis key it wrote is in its keyspace.
 */
function withAccounts(store: StoreKind, body: (h: ModuleHarness) => Promise<void>) {
  return withModule(accountsModule, { store, redisUrl, observe: accountsEvents }, body);
}

async function signUp(app: Hono, name: string, balance: number) {
  const response = await app.request("/accounts/customers", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({ name, email: `${name}@example.com`, balance }),
  });
  assert.equal(response.status, 201);
  return (await response.json()) as { id: string };
}

async function balanceOf(app: Hono, id: string): Promise<number> {
  const response = await app.request(`/accounts/customers/${id}`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  return ((await response.json()) as { balance: number }).balance;
}

async function payment(app: Hono, order: string) {
  const response = await app.request(`/accounts/payments/${order}`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  const json = await response.json();
  return response.status === 200 ? json as { status: string } : null;
}

const answersFor = (seen: Envelope[], order: string) =>
  seen.filter((e) => (e.data as { order_id?: string }).order_id === order)
    .map((e) => {
      const reason = (e.data as { reason?: string }).reason;
      return reason ? `${e.type}:${reason}` : e.type;
    });

for (const store of ["memory", "redis"] as const) {
  const test = storeTests("accounts", store, redisUrl, withAccounts);

  test("sign-up announces accounts.customer_registered", async ({ app, seen }) => {
    const { id } = await signUp(app, "ada", 0);
    const event = await waitFor(() => seen.find((e) => e.type === "accounts.customer_registered"));
    assert.deepEqual(event.data, { customer_id: id, name: "ada", email: "ada@example.com" });
    assert.equal(event.source, "accounts");
  });

  test("order.payment_requested charges once and answers payment_succeeded", async (h) => {
    const { id } = await signUp(h.app, "bob", 1000);
    const request = { order_id: "ord-1", customer_id: id, amount: 300 };
    const first = await h.bus.publish(paymentRequested, request);
    await h.bus.publish(paymentRequested, request);
    const answer = await waitFor(() => h.seen.find((e) => e.type === "accounts.payment_succeeded"));
    assert.deepEqual(answer.data, request);
    assert.equal(answer.causation_id, first.id, "the answer names the request that caused it");
    assert.equal(answer.correlation_id, first.correlation_id);
    // The duplicate is handled (its ack) without a second charge or answer.
    await waitFor(async () => (await balanceOf(h.app, id)) === 700);
    await h.bus.publish(paymentRequested, { ...request, order_id: "ord-marker", amount: 1 });
    await waitFor(() => answersFor(h.seen, "ord-marker").length === 1);
    assert.deepEqual(answersFor(h.seen, "ord-1"), ["accounts.payment_succeeded"]);
    assert.equal(await balanceOf(h.app, id), 699);
  });

  test("payment requests fail for low funds and unknown customers", async (h) => {
    const { id } = await signUp(h.app, "cy", 50);
    await h.bus.publish(paymentRequested, { order_id: "ord-2", customer_id: id, amount: 51 });
    await h.bus.publish(paymentRequested, { order_id: "ord-3", customer_id: "ghost", amount: 1 });
    await waitFor(() => answersFor(h.seen, "ord-2").length && answersFor(h.seen, "ord-3").length);
    assert.deepEqual(answersFor(h.seen, "ord-2"), ["accounts.payment_failed:insufficient_funds"]);
    assert.deepEqual(answersFor(h.seen, "ord-3"), ["accounts.payment_failed:unknown_customer"]);
    assert.equal(await balanceOf(h.app, id), 50);
  });

  test("order.refund_requested refunds a charge once", async (h) => {
    const { id } = await signUp(h.app, "di", 500);
    await h.bus.publish(paymentRequested, { order_id: "ord-4", customer_id: id, amount: 200 });
    await waitFor(() => answersFor(h.seen, "ord-4").length === 1);
    await h.bus.publish(refundRequested, { order_id: "ord-4", customer_id: id });
    await h.bus.publish(refundRequested, { order_id: "ord-4", customer_id: id });
    const refunded = await waitFor(() =>
      h.seen.find((e) => e.type === "accounts.payment_refunded")
    );
    assert.deepEqual(refunded.data, { order_id: "ord-4", customer_id: id, amount: 200 });
    await waitFor(async () => (await balanceOf(h.app, id)) === 500);
    const ledger = await h.app.request(`/accounts/customers/${id}/ledger`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const items = ((await ledger.json()) as { items: { type: string; amount: number }[] }).items;
    assert.deepEqual(items.map((e) => `${e.type}:${e.amount}`), [
      "deposit:500",
      "charge:200",
      "refund:200",
    ]);
  });

  test("a refund before the payment request voids the order", async (h) => {
    const { id } = await signUp(h.app, "ed", 500);
    await h.bus.publish(refundRequested, { order_id: "ord-5", customer_id: id });
    // Events of two types are not ordered on the bus: let the refund land first.
    await waitFor(async () => (await payment(h.app, "ord-5"))?.status === "voided");
    await h.bus.publish(paymentRequested, { order_id: "ord-5", customer_id: id, amount: 100 });
    await waitFor(() => answersFor(h.seen, "ord-5").length === 1);
    assert.deepEqual(answersFor(h.seen, "ord-5"), ["accounts.payment_failed:voided"]);
    assert.equal(await balanceOf(h.app, id), 500);
  });

  test("ready() answers while the store is reachable", async ({ module }) => {
    await module.ready();
  });
}

async function signInTo(app: Hono, email: string, password: string) {
  const response = await app.request("/accounts/sessions", {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": "192.0.2.44" },
    body: JSON.stringify({ email, password }),
  });
  return { status: response.status, retryAfter: response.headers.get("retry-after") };
}

Deno.test({
  name: "accounts on a redis store: two processes share one failed sign-in count (OWASP hashing)",
  ignore: !redisUrl,
  async fn() {
    const one = await startModule(accountsModule, { store: "redis", redisUrl });
    const two = await startModule(accountsModule, {
      store: "redis",
      redisUrl,
      keyPrefix: one.keyPrefix,
    });
    try {
      const signup = await one.app.request("/accounts/customers", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: "Ada",
          email: "ada@example.com",
          password: "a good password",
        }),
      });
      assert.equal(signup.status, 201);
      // Signed up on one process, signed in on the other.
      assert.equal((await signInTo(two.app, "ada@example.com", "a good password")).status, 200);
      const apps = [one.app, two.app, one.app, two.app, one.app];
      for (const app of apps) {
        assert.equal((await signInTo(app, "ada@example.com", "wrong password")).status, 401);
      }
      for (const app of [two.app, one.app]) {
        const refused = await signInTo(app, "ada@example.com", "a good password");
        assert.equal(refused.status, 429, "five failures across both processes");
        assert.ok(Number(refused.retryAfter) >= 1);
      }
    } finally {
      await two.stop();
      await one.stop();
    }
  },
});
