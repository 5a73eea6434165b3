/**
 * Browser sessions through a whole process (every module, the Origin check
 * installed as the process installs it), on the memory setup and on Redis:
 * the cookie from sign-up or sign-in works on reads and on writes from the
 * same origin, a write with the cookie from anywhere else is refused before
 * it changes anything, and a bearer token needs no Origin.
 */
import assert from "node:assert/strict";
import { Shop } from "../testing/shop.ts";
import { type Reply, type Setup, setupAvailable, startSystem } from "../testing/system.ts";

/** `app.request` answers as http://localhost: the process's own origin here. */
const ORIGIN = "http://localhost";

function sessionCookie(reply: Reply): string {
  const match = /(?:^|, )bazaar_session=([^;]*)/.exec(reply.headers.get("set-cookie") ?? "");
  assert.ok(match, `a session cookie was set: ${reply.headers.get("set-cookie")}`);
  return match[1]!;
}

const withCookie = (cookie: string, origin: string | null = ORIGIN) => ({
  cookie: `bazaar_session=${cookie}`,
  ...(origin === null ? {} : { origin }),
});

for (const setup of ["memory", "redis"] as const satisfies Setup[]) {
  Deno.test({
    name: `${setup}: the session cookie works from its own origin only`,
    ignore: !setupAvailable(setup),
    async fn() {
      const system = await startSystem(setup);
      try {
        const shop = new Shop(system);
        const product = await shop.product(10, 100);
        const signup = await system.call("POST", "/accounts/customers", {
          body: { name: "Ada", email: "ada@example.com", password: "a long passphrase" },
        });
        assert.equal(signup.status, 201, JSON.stringify(signup.body));
        const ada = { id: signup.body.id as string, token: signup.body.token as string };
        await system.call("POST", `/accounts/customers/${ada.id}/deposits`, {
          token: system.admin,
          body: { amount: 1_000 },
        });
        const fromSignIn = await system.call("POST", "/accounts/sessions", {
          body: { email: "ada@example.com", password: "a long passphrase" },
        });
        assert.equal(fromSignIn.status, 200, JSON.stringify(fromSignIn.body));
        for (const cookie of [sessionCookie(signup), sessionCookie(fromSignIn)]) {
          const own = await system.call("GET", `/accounts/customers/${ada.id}`, {
            headers: withCookie(cookie, null),
          });
          assert.equal(own.status, 200, "a read needs no Origin");
        }
        const cookie = sessionCookie(fromSignIn);
        const order = { customer_id: ada.id, items: [{ product_id: product, quantity: 1 }] };
        const placed = await system.call("POST", "/orders", {
          body: order,
          headers: { ...withCookie(cookie), prefer: "wait=10" },
        });
        assert.equal(placed.status, 200, JSON.stringify(placed.body));
        assert.equal(placed.body.status, "confirmed");

        for (const origin of ["http://evil.example", null]) {
          const forged = await system.call("POST", "/orders", {
            body: order,
            headers: withCookie(cookie, origin),
          });
          assert.equal(forged.status, 403, JSON.stringify(forged.body));
          assert.equal(forged.body.error.code, "forbidden");
          const cancel = await system.call("POST", `/orders/${placed.body.id}/cancel`, {
            headers: withCookie(cookie, origin),
          });
          assert.equal(cancel.status, 403);
        }
        const listed = await system.call("GET", `/orders?customer_id=${ada.id}`, {
          headers: withCookie(cookie, null),
        });
        assert.deepEqual(listed.body.items.map((o: { id: string }) => o.id), [placed.body.id]);
        assert.equal((await shop.productState(product)).stock, 9, "nothing else was written");
        assert.equal((await shop.account(ada)).balance, 900);

        const bearer = await system.call("POST", "/orders", { token: ada.token, body: order });
        assert.equal(bearer.status, 202, "a bearer token needs no Origin");

        // What a customer cookie cannot reach.
        const bob = await shop.customer(0, "Bob");
        for (
          const path of [
            `/accounts/customers/${bob.id}`,
            "/accounts/customers",
            "/admin/dead-letters",
            `/orders?customer_id=${bob.id}`,
          ]
        ) {
          const reply = await system.call("GET", path, { headers: withCookie(cookie, null) });
          assert.equal(reply.status, 403, `${path}: ${JSON.stringify(reply.body)}`);
        }
        const out = await system.call("DELETE", "/accounts/sessions", {
          headers: withCookie(cookie),
        });
        assert.equal(out.status, 204);
        assert.equal(sessionCookie(out), "", "sign-out clears the cookie");
      } finally {
        await system.stop();
      }
    },
  });
}
