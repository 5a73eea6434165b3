/**
 * The session cookie in a real browser: it reaches only its own customer's
 * records and never the console; a cross-origin page cannot ride it to write
 * anything; wrong passwords are refused, then limited with a wait in words.
 */
import assert from "node:assert/strict";
import { browserTest, openPage, seedCatalog } from "../testing/browser.ts";
import { Shop } from "../testing/shop.ts";

/** Signs a new shopper up through the store's form; their email. */
async function signUp(page: import("playwright-core").Page, name: string): Promise<string> {
  const email = `${name.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await page.goto("/#/signup");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" })
    .waitFor();
  return email;
}

browserTest(
  "browser: a customer's cookie reaches only their own records, from this origin only",
  async (t, shop, browser) => {
    // Another origin on the same host (same site: the Lax cookie goes along, the Origin differs).
    const evil = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () =>
        new Response("<!doctype html><title>elsewhere</title><p>elsewhere</p>", {
          headers: { "content-type": "text/html" },
        }),
    );
    try {
      const ids = await seedCatalog(shop.system);
      const other = await new Shop(shop.system).customer(100_00, "Other");
      const theirs = await new Shop(shop.system).order(other, [
        { product_id: ids.get("Canvas tote")!, quantity: 1 },
      ]);
      const { page, context, errors } = await openPage(browser, shop.url);
      await signUp(page, "Mallory");
      const me = await page.request.get("/accounts/sessions/current");
      assert.equal(me.status(), 200);
      const myId = (await me.json()).customer_id;

      await t.step("another customer's order, ledger and account answer 403", async () => {
        for (
          const path of [
            `/orders/${theirs.id}`,
            `/accounts/customers/${other.id}`,
            `/accounts/customers/${other.id}/ledger`,
            `/orders?customer_id=${other.id}`,
            `/messaging/notifications?customer_id=${other.id}`,
          ]
        ) {
          const reply = await page.request.get(path);
          assert.equal(reply.status(), 403, `${path}: ${await reply.text()}`);
        }
        await page.goto(`/#/orders/${theirs.id}`);
        await page.getByRole("alert").filter({ hasText: "aren't allowed" }).waitFor();
      });

      await t.step("the console and the admin API stay shut to a customer's cookie", async () => {
        for (const path of ["/admin/sessions/current", "/admin/dead-letters", "/admin/bus"]) {
          const reply = await page.request.get(path);
          assert.ok([401, 403].includes(reply.status()), `${path}: ${reply.status()}`);
        }
        const deposit = await page.request.post(`/accounts/customers/${myId}/deposits`, {
          data: { amount: 1_000_00 },
          headers: { origin: shop.url },
        });
        assert.equal(deposit.status(), 403, "a customer cannot deposit for themselves");
        await page.goto("/admin");
        await page.getByRole("heading", { name: "Console sign-in" }).waitFor();
      });

      await t.step(
        "a cross-origin POST carrying the cookie is refused and writes nothing",
        async () => {
          const evilUrl = `http://127.0.0.1:${evil.addr.port}`;
          const before = await shop.system.call("GET", `/orders?customer_id=${myId}`, {
            token: shop.system.admin,
          });
          const attack = await context.newPage();
          await attack.goto(evilUrl);
          const outcome = await attack.evaluate(async ([target, customerId, productId]) => {
            // A "simple" request (no preflight): the browser sends it, with the cookie.
            const response = await fetch(`${target}/orders`, {
              method: "POST",
              mode: "no-cors",
              credentials: "include",
              headers: { "content-type": "text/plain" },
              body: JSON.stringify({
                customer_id: customerId,
                items: [{ product_id: productId, quantity: 1 }],
              }),
            });
            return response.type;
          }, [shop.url, myId, ids.get("Wool socks")!]);
          assert.equal(outcome, "opaque");
          const forged = await page.request.post("/orders", {
            data: {
              customer_id: myId,
              items: [{ product_id: ids.get("Wool socks"), quantity: 1 }],
            },
            headers: { origin: evilUrl },
          });
          assert.equal(forged.status(), 403, await forged.text());
          const after = await shop.system.call("GET", `/orders?customer_id=${myId}`, {
            token: shop.system.admin,
          });
          assert.equal(after.body.items.length, before.body.items.length, "no order was placed");
          await attack.close();
        },
      );

      await t.step("wrong passwords are refused, then limited with the wait in words", async () => {
        const email = `victim-${crypto.randomUUID().slice(0, 8)}@example.com`;
        const signup = await shop.system.call("POST", "/accounts/customers", {
          body: { name: "Victim", email, password: "the right password" },
        });
        assert.equal(signup.status, 201);
        const guest = await openPage(browser, shop.url);
        await guest.page.goto("/#/signin");
        await guest.page.getByLabel("Email").fill(email);
        for (let i = 0; i < 3; i++) {
          await guest.page.getByLabel("Password").fill(`wrong guess ${i}`);
          await guest.page.getByRole("button", { name: "Sign in" }).click();
          await guest.page.getByRole("alert").filter({ hasText: "do not match" }).waitFor();
        }
        await guest.page.getByLabel("Password").fill("the right password");
        await guest.page.getByRole("button", { name: "Sign in" }).click();
        const limited = guest.page.getByRole("alert").filter({
          hasText: /Too many attempts\. Try again in \d+ s\./,
        });
        await limited.waitFor();
        assert.deepEqual(guest.errors, []);
        await guest.context.close();
      });

      assert.deepEqual(errors, [], "no script error on any page");
    } finally {
      await evil.shutdown();
    }
  },
  { signinFailureLimit: 3 },
);
