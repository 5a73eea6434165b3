/**
 * The admin dead-letter routes: a malformed event dies in the group that could
 * not read it, is listed with its error, and can be replayed to that group.
 */
import assert from "node:assert/strict";
import { startSystem } from "../testing/system.ts";
import { waitFor } from "../testing/wait.ts";

Deno.test("admin routes list dead letters and replay them to their group", async () => {
  const system = await startSystem("memory");
  try {
    const envelopeId = crypto.randomUUID();
    await system.process.bus.publishEnvelope({
      id: envelopeId,
      type: "order.placed",
      source: "rogue",
      time: new Date().toISOString(),
      data: { order_id: "o1", customer_id: "c1", items: [] },
      correlation_id: envelopeId,
      causation_id: null,
      traceparent: null,
    });
    const first = await waitFor(async () => {
      const reply = await system.call("GET", "/admin/dead-letters?group=inventory", {
        token: system.admin,
      });
      return reply.body.items?.length === 1 ? reply.body.items[0] : null;
    });
    assert.equal(first.group, "inventory");
    assert.equal(first.envelope.id, envelopeId);
    assert.match(first.error, /failed validation/);

    const customer = await system.call("POST", "/accounts/customers", {
      body: { name: "Eve", email: "eve@example.com" },
    });
    for (const token of [null, customer.body.token]) {
      const reply = await system.call("GET", "/admin/dead-letters", { token });
      assert.equal(reply.status, token ? 403 : 401);
    }
    const bad = await system.call("GET", "/admin/dead-letters?group=no%20spaces", {
      token: system.admin,
    });
    assert.equal(bad.status, 400);
    const unknown = await system.call("POST", "/admin/dead-letters/nope/replay", {
      token: system.admin,
    });
    assert.equal(unknown.status, 404);

    const replay = await system.call("POST", `/admin/dead-letters/${first.id}/replay`, {
      token: system.admin,
    });
    assert.equal(replay.status, 200);
    assert.deepEqual(replay.body, { replayed: 1 });
    // Still malformed: it dies again in the same group, as a new letter.
    const again = await waitFor(async () => {
      const reply = await system.call("GET", "/admin/dead-letters", { token: system.admin });
      const items = reply.body.items ?? [];
      return items.length === 1 && items[0].id !== first.id ? items[0] : null;
    });
    assert.equal(again.envelope.id, envelopeId);
    const all = await system.call("POST", "/admin/dead-letters/replay?group=inventory", {
      token: system.admin,
    });
    assert.deepEqual(all.body, { replayed: 1 });
  } finally {
    await system.stop();
  }
});

Deno.test("the console signs in with the admin token and gets an admin session cookie", async () => {
  const system = await startSystem("memory", { settings: { signinWindowS: 60 } });
  try {
    const cookieOf = (reply: { headers: Headers }) =>
      /(?:^|, )bazaar_session=([^;]*)/.exec(reply.headers.get("set-cookie") ?? "")?.[1];
    const signIn = (token: string, from: string) =>
      system.call("POST", "/admin/sessions", {
        body: { token },
        headers: { "x-forwarded-for": from },
      });
    for (let i = 0; i < 5; i++) {
      const wrong = await signIn("not-the-token", "198.51.100.9");
      assert.equal(wrong.status, 401);
      assert.equal(cookieOf(wrong), undefined);
    }
    const limited = await signIn(system.admin, "198.51.100.9");
    assert.equal(limited.status, 429, "past the limit even the right token waits");
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);

    const signedIn = await signIn(system.admin, "198.51.100.10");
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    assert.deepEqual(Object.keys(signedIn.body).sort(), ["expires_at", "role"]);
    assert.equal(signedIn.body.role, "admin");
    const cookie = cookieOf(signedIn)!;
    assert.match(signedIn.headers.get("set-cookie")!, /HttpOnly; SameSite=Lax/);
    assert.notEqual(cookie, system.admin, "the cookie holds a session token, not ADMIN_TOKEN");
    const asAdmin = { cookie: `bazaar_session=${cookie}` };

    const current = await system.call("GET", "/admin/sessions/current", { headers: asAdmin });
    assert.deepEqual(current.body, { role: "admin", expires_at: signedIn.body.expires_at });
    const bearer = await system.call("GET", "/admin/sessions/current", { token: system.admin });
    assert.deepEqual(bearer.body, { role: "admin", expires_at: null });
    for (const path of ["/admin/dead-letters", "/admin/bus", "/accounts/customers"]) {
      const reply = await system.call("GET", path, { headers: asAdmin });
      assert.equal(reply.status, 200, `${path}: ${JSON.stringify(reply.body)}`);
    }
    const replay = (origin: string) =>
      system.call("POST", "/admin/dead-letters/replay", { headers: { ...asAdmin, origin } });
    assert.equal((await replay("http://localhost")).status, 200);
    assert.equal((await replay("http://evil.example")).status, 403);

    const customer = await system.call("POST", "/accounts/customers", {
      body: { name: "Eve", email: "eve@example.com" },
    });
    const asCustomer = { cookie: `bazaar_session=${cookieOf(customer)}` };
    assert.equal(
      (await system.call("GET", "/admin/dead-letters", { headers: asCustomer })).status,
      403,
    );
    assert.equal(
      (await system.call("GET", "/admin/sessions/current", { headers: asCustomer })).status,
      401,
    );
    assert.equal((await system.call("GET", "/admin/sessions/current")).status, 401);

    const out = await system.call("DELETE", "/admin/sessions", {
      headers: { ...asAdmin, origin: "http://localhost" },
    });
    assert.equal(out.status, 204);
    assert.equal(cookieOf(out), "");
    assert.match(out.headers.get("set-cookie")!, /Max-Age=0/);
  } finally {
    await system.stop();
  }
});
