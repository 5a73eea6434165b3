/**
 * The store in a real browser, as a shopper uses it: sign up with a password,
 * sign out and in again, search, filter by tag, fill the cart, check out and
 * watch the order confirm live (SSE, no reload, nothing moving), open the
 * invoice, see the balance drop; checkouts refused for stock and for balance
 * say why in words; what was bought together shows as related; a confirmed
 * order is cancelled for a refund. axe-core finds no serious or critical
 * WCAG 2.1 AA problem on any page, and the screenshots land in docs/screenshots.
 */
import assert from "node:assert/strict";
import { assertAccessible, browserTest, cardNames, openPage } from "../testing/browser.ts";
import { screenshots, seedCatalog } from "../testing/browser.ts";

browserTest(
  "browser: a shopper signs up, searches, checks out and watches the order confirm live",
  async (t, shop, browser) => {
    const ids = await seedCatalog(shop.system);
    const { page, errors } = await openPage(browser, shop.url);
    const nav = page.getByRole("navigation", { name: "Main" });
    const email = `ada-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const password = "correct horse battery";
    const streams: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/events")) streams.push(request.url());
    });

    await t.step("the home page shows the featured products and the whole grid", async () => {
      await page.goto("/");
      assert.deepEqual(await cardNames(page, "Featured products"), [
        "Linen shirt",
        "Espresso cup set",
      ]);
      assert.equal((await cardNames(page, "All products")).length, 6);
      await assertAccessible(page, "the store's home page");
      await screenshots(page, "store-home");
    });

    await t.step("signing up with a password signs the shopper in", async () => {
      await nav.getByRole("link", { name: "Sign in" }).click();
      await assertAccessible(page, "the sign-in page");
      await page.getByRole("link", { name: "Create an account" }).click();
      await page.getByLabel("Name").fill("Ada Lovelace");
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(password);
      await assertAccessible(page, "the sign-up page");
      await page.getByRole("button", { name: "Create account" }).click();
      await nav.getByRole("link", { name: "Account" }).waitFor();
      assert.deepEqual(
        await page.evaluate("Object.keys(localStorage).filter((k) => /token|session/i.test(k))"),
        [],
        "no token in script-readable storage",
      );
      const cookies = await page.context().cookies();
      const session = cookies.find((c) => c.name === "bazaar_session");
      assert.ok(session?.httpOnly, "the session is an HttpOnly cookie");
    });

    await t.step("signing out, then in again with the password", async () => {
      await nav.getByRole("link", { name: "Account" }).click();
      await page.getByRole("button", { name: "Sign out" }).click();
      await nav.getByRole("link", { name: "Sign in" }).click();
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("wrong password!");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").filter({ hasText: "do not match" }).waitFor();
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await nav.getByRole("link", { name: "Account" }).waitFor();
    });

    await t.step("searching and filtering by tag narrow the grid", async () => {
      await nav.getByRole("link", { name: "Shop" }).click();
      await page.getByLabel("Search products").fill("socks");
      await page.getByRole("button", { name: "Search" }).click();
      assert.deepEqual(await cardNames(page, "Results for “socks”"), ["Wool socks"]);
      await page.goto("/#/");
      await page.getByRole("navigation", { name: "Filter by tag" })
        .getByRole("link", { name: /^kitchen/ }).click();
      assert.deepEqual((await cardNames(page, "Tagged “kitchen”")).sort(), [
        "Chef's knife",
        "Espresso cup set",
      ]);
      await assertAccessible(page, "a tag's products");
    });

    await t.step(
      "two products go into the cart, from the grid and from a product page",
      async () => {
        await page.getByRole("button", { name: "Add to cart: Chef's knife" }).click();
        await page.getByRole("status").filter({ hasText: "added to your cart" }).waitFor();
        await page.goto(`/#/product/${ids.get("Linen shirt")}`);
        await page.getByRole("heading", { level: 1, name: "Linen shirt" }).waitFor();
        await assertAccessible(page, "a product page");
        await page.getByRole("button", { name: "Add to cart", exact: true }).click();
        await page.locator("#cart-count", { hasText: "2" }).waitFor();
        // One like per customer: a second press (after a reload) counts nothing more.
        const like = page.getByRole("button", { name: /Like/ });
        await like.click();
        await page.locator(".like[aria-pressed=true]", { hasText: "1" }).waitFor();
        await page.reload();
        await page.locator(".like[aria-pressed=true]", { hasText: "1" }).waitFor();
        await like.click();
        await page.getByRole("status").filter({ hasText: "You like Linen shirt." }).waitFor();
        assert.equal(await page.locator(".like-count").innerText(), "1");
        await screenshots(page, "store-product");
      },
    );

    await t.step(
      "checkout shows the order's status live, in place, without a reload",
      async () => {
        await nav.getByRole("link", { name: /Cart/ }).click();
        await page.getByRole("list", { name: "Cart items" }).waitFor();
        assert.equal(await page.locator(".line").count(), 2);
        await page.locator("#balance-line", { hasText: "$100.00" }).waitFor();
        await assertAccessible(page, "the cart");
        await screenshots(page, "store-cart");
        // Payment is held, so the order visibly waits at "reserved" first.
        const release = shop.hold("accounts.payment_succeeded");
        await page.evaluate("globalThis.__sameDocument = true");
        await page.getByRole("button", { name: "Place order" }).click();
        const status = page.locator("#order-status");
        await status.filter({ hasText: "Taking payment" }).waitFor({ timeout: 10_000 });
        assert.equal(await status.getAttribute("aria-live"), "polite");
        const itemsBefore = await page.locator("#items-title").boundingBox();
        await screenshots(page, "store-order-live");
        release();
        await status.filter({ hasText: "Confirmed" }).waitFor({ timeout: 10_000 });
        const itemsAfter = await page.locator("#items-title").boundingBox();
        assert.equal(itemsAfter?.y, itemsBefore?.y, "nothing below the status moved");
        assert.equal(await page.evaluate("globalThis.__sameDocument"), true, "no reload");
        assert.equal(streams.length, 1, "the status came over one event stream");
        await assertAccessible(page, "an order's page");
        await screenshots(page, "store-order");
      },
    );

    await t.step("the invoice opens, and the balance shows the charge", async () => {
      const orderUrl = page.url();
      await page.getByRole("link", { name: "View invoice" }).click();
      await page.waitForURL(/\/messaging\/invoices\//);
      const invoice = await page.locator("body").innerText();
      assert.match(invoice, /Linen shirt/);
      assert.match(invoice, /\$94\.00/);
      await page.goto(orderUrl);
      await page.getByRole("link", { name: "See your balance" }).click();
      await page.locator("#balance", { hasText: "$6.00" }).waitFor();
      await page.getByRole("cell", { name: /^Payment for order/ }).waitFor();
      await assertAccessible(page, "the account page");
      await screenshots(page, "store-account");
    });

    await t.step("a checkout past the stock says so in words", async () => {
      await page.goto(`/#/product/${ids.get("Espresso cup set")}`);
      await page.getByText("Only 1 left").waitFor();
      await page.getByRole("button", { name: "Add to cart", exact: true }).click();
      await page.goto("/#/cart");
      // The product page stops at the stock; the cart lets a shopper ask for more.
      await page.getByLabel("Quantity of Espresso cup set").fill("2");
      await page.getByLabel("Quantity of Espresso cup set").press("Enter");
      await page.getByText("Only 1 in stock").waitFor();
      await page.getByRole("button", { name: "Place order" }).click();
      await page.locator("#order-status", { hasText: "not enough stock" }).waitFor();
    });

    await t.step("a busy shop says when to come back; the cart stays", async () => {
      await page.goto(`/#/product/${ids.get("Wool socks")}`);
      await page.getByRole("button", { name: "Add to cart", exact: true }).click();
      await page.goto("/#/cart");
      await page.route("**/orders", (route) =>
        route.fulfill({
          status: 503,
          headers: { "retry-after": "3", "content-type": "application/json" },
          body: JSON.stringify({ error: { code: "unavailable", message: "Overloaded" } }),
        }), { times: 1 });
      await page.getByRole("button", { name: "Place order" }).click();
      await page.getByRole("alert").filter({
        hasText: "The shop is busy right now. Try again in 3 s.",
      }).waitFor();
      assert.equal(await page.locator(".line").count(), 1, "the cart is kept");
    });

    await t.step("a checkout past the balance says so in words", async () => {
      await page.getByRole("button", { name: "Place order" }).click();
      await page.locator("#order-status", { hasText: "insufficient balance" }).waitFor();
    });

    await t.step("what was bought together is related", async () => {
      await page.goto(`/#/product/${ids.get("Chef's knife")}`);
      const related = await cardNames(page, "Related products");
      assert.ok(related.includes("Linen shirt"), `related to the knife: ${related}`);
    });

    await t.step(
      "the order history lists every order; a confirmed one is refunded on cancel",
      async () => {
        await nav.getByRole("link", { name: "Orders" }).click();
        const rows = page.getByRole("list", { name: "Orders" }).getByRole("listitem");
        await rows.first().waitFor();
        assert.equal(await rows.count(), 3);
        await assertAccessible(page, "the order history");
        await screenshots(page, "store-orders");
        await rows.filter({ hasText: "Confirmed" }).getByRole("link").click();
        await page.getByRole("button", { name: "Cancel and refund" }).click();
        await page.locator("#order-status", { hasText: "Refunded" }).waitFor();
        await page.goto("/#/account");
        await page.locator("#balance", { hasText: "$100.00" }).waitFor();
      },
    );

    assert.deepEqual(errors, [], "no script error on any page");
  },
  { signupCredit: 100_00 },
);
