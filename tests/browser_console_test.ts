/**
 * The console in a real browser: the admin signs in with the admin token,
 * watches the counters move without a reload, creates and features a product
 * that then shows on the store's home page, restocks, edits, unfeatures and
 * deletes, deposits for a customer, follows one order across every module,
 * and replays a dead letter (made by publishing a malformed message on the
 * bus). axe-core finds no serious or critical WCAG 2.1 AA problem.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { assertAccessible, browserTest, cardNames, openPage } from "../testing/browser.ts";
import { screenshots, seedCatalog } from "../testing/browser.ts";
import { orderPlaced } from "../modules/orders/events.ts";
import { Shop } from "../testing/shop.ts";

/** The text of the counter named `name` on the overview. */
const counter = (page: Page, name: string) =>
  page.getByRole("list", { name: "Orders by status" }).getByRole("listitem")
    .filter({ hasText: name }).locator(".value");

browserTest("browser: the admin runs the shop from the console", async (t, shop, browser) => {
  const ids = await seedCatalog(shop.system);
  const api = new Shop(shop.system);
  const casey = await api.customer(500_00, "Casey Jones");
  const bought = await api.order(casey, [
    { product_id: ids.get("Wool socks")!, quantity: 2 },
  ]);
  assert.equal(bought.status, "confirmed");
  const { page, errors } = await openPage(browser, shop.url);
  page.on("dialog", (dialog) => dialog.accept());

  await t.step("the console asks for the admin token, and refuses a wrong one", async () => {
    await page.goto("/admin");
    await page.getByRole("heading", { name: "Console sign-in" }).waitFor();
    await assertAccessible(page, "the console's sign-in");
    await page.getByLabel("Admin token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "not the admin token" }).waitFor();
    await page.getByLabel("Admin token").fill(shop.system.admin);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  });

  await t.step("the counters follow new orders without a reload", async () => {
    await counter(page, "Confirmed").filter({ hasText: /^1$/ }).waitFor();
    await page.evaluate("globalThis.__sameDocument = true");
    await api.order(casey, [{ product_id: ids.get("Canvas tote")!, quantity: 1 }]);
    await counter(page, "Confirmed").filter({ hasText: /^2$/ }).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate("globalThis.__sameDocument"), true);
    await page.getByRole("rowheader", { name: "inventory" }).waitFor();
    await assertAccessible(page, "the console's overview");
    await screenshots(page, "console-overview");
  });

  await t.step("a product created and featured shows on the store's home page", async () => {
    await page.getByRole("link", { name: "Catalog" }).click();
    await page.getByRole("heading", { level: 1, name: "Catalog" }).waitFor();
    const form = page.getByRole("form", { name: "New product" });
    await form.getByLabel("Name").fill("Desk lamp");
    await form.getByLabel("Price").fill("39.50");
    await form.getByLabel("Stock").fill("3");
    await form.getByLabel("Tags").fill("home, lighting");
    await form.getByLabel("Featured in the store's promoted slot").check();
    await form.getByRole("button", { name: "Create product" }).click();
    const row = page.getByRole("row").filter({ hasText: "Desk lamp" });
    await row.waitFor();
    assert.match(await row.innerText(), /\$39\.50/);
    await assertAccessible(page, "the console's catalog");
    await screenshots(page, "console-catalog");
    const store = await openPage(browser, shop.url);
    await store.page.goto("/");
    assert.ok((await cardNames(store.page, "Featured products")).includes("Desk lamp"));
    await store.context.close();
  });

  await t.step("restock, edit, unfeature and delete", async () => {
    const lamp = page.getByRole("row").filter({ hasText: "Desk lamp" }).first();
    await lamp.getByLabel("Units to add to Desk lamp").fill("5");
    await lamp.getByRole("button", { name: "Add stock to Desk lamp" }).click();
    await page.getByText("Restocked “Desk lamp” with 5.").waitFor();
    const stock = page.getByRole("row").filter({ hasText: "Desk lamp" }).first()
      .getByRole("cell").nth(1);
    await stock.filter({ hasText: /^8$/ }).waitFor();
    await page.getByRole("row").filter({ hasText: "Desk lamp" }).first()
      .getByRole("button", { name: "Edit Desk lamp" }).click();
    const editor = page.getByRole("form", { name: "Edit Desk lamp" });
    await editor.getByLabel("Price").fill("35");
    await editor.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Saved “Desk lamp”.").waitFor();
    await page.getByRole("row").filter({ hasText: "$35.00" }).filter({ hasText: "Desk lamp" })
      .waitFor();
    const shirt = page.getByRole("row").filter({ hasText: "Linen shirt" }).first();
    await shirt.getByRole("button", { name: "Featured Linen shirt" }).click();
    await page.getByText("“Linen shirt” is no longer featured.").waitFor();
    const featured = await shop.system.call("GET", "/inventory/products?featured=true");
    assert.deepEqual(
      featured.body.items.map((p: { name: string }) => p.name).sort(),
      ["Desk lamp", "Espresso cup set"],
    );
    await page.getByRole("row").filter({ hasText: "Trail backpack" }).first()
      .getByRole("button", { name: "Delete Trail backpack" }).click();
    await page.getByText("Deleted “Trail backpack”.").waitFor();
    assert.equal(
      (await shop.system.call("GET", `/inventory/products/${ids.get("Trail backpack")}`))
        .status,
      404,
    );
  });

  await t.step("customers: search, then a deposit raises the balance", async () => {
    const before = (await shop.system.call("GET", `/accounts/customers/${casey.id}`, {
      token: shop.system.admin,
    })).body.balance;
    await page.getByRole("link", { name: "Customers" }).click();
    await page.getByLabel("Search by name or email").fill("casey");
    await page.getByRole("button", { name: "Search" }).click();
    const row = page.getByRole("row").filter({ hasText: "Casey Jones" });
    await row.waitFor();
    await row.getByLabel("Amount to deposit for Casey Jones").fill("10.00");
    await row.getByRole("button", { name: "Deposit for Casey Jones" }).click();
    await page.getByText(/Deposited \$10\.00 for Casey Jones/).waitFor();
    const account = await shop.system.call("GET", `/accounts/customers/${casey.id}`, {
      token: shop.system.admin,
    });
    assert.equal(account.body.balance, before + 10_00);
    await assertAccessible(page, "the console's customers");
    await screenshots(page, "console-customers");
  });

  await t.step("an order's timeline gathers every module's part", async () => {
    await page.getByRole("navigation", { name: "Console" })
      .getByRole("link", { name: "Orders", exact: true }).click();
    await page.getByLabel("Status").selectOption("confirmed");
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL(/status=confirmed/);
    await page.getByRole("link", { name: `Order ${bought.id.slice(-8).toUpperCase()}` })
      .click();
    const timeline = page.getByRole("list", { name: "Everything that happened, oldest first" });
    await timeline.waitFor();
    const text = await timeline.innerText();
    for (const part of ["orders", "inventory", "accounts", "messaging", "Charged $36.00"]) {
      assert.ok(text.toLowerCase().includes(part.toLowerCase()), `${part} in:\n${text}`);
    }
    await assertAccessible(page, "an order's timeline");
    await screenshots(page, "console-order");
  });

  await t.step(
    "a malformed message is dead-lettered, and replayed from the console",
    async () => {
      await shop.system.process.bus.publishEnvelope({
        id: crypto.randomUUID(),
        type: orderPlaced.type,
        source: "test",
        time: new Date().toISOString(),
        data: { this_is: "not an order" },
        correlation_id: crypto.randomUUID(),
        causation_id: null,
        traceparent: null,
      });
      await page.getByRole("link", { name: "Dead letters" }).click();
      const row = page.getByRole("row").filter({ hasText: orderPlaced.type })
        .filter({ hasText: "inventory" }).first();
      await row.waitFor({ timeout: 10_000 }).catch(async () => {
        await page.reload(); // the letter may land just after the list was read
        await row.waitFor();
      });
      await assertAccessible(page, "the console's dead letters");
      await screenshots(page, "console-dead-letters");
      const replayed = page.waitForResponse((r) =>
        /\/admin\/dead-letters\/[^/]+\/replay$/.test(r.url())
      );
      await row.getByRole("button", { name: `Replay ${orderPlaced.type} to inventory` })
        .click();
      assert.equal((await replayed).status(), 200);
      await page.getByText(`Replayed ${orderPlaced.type} to inventory.`).waitFor();
    },
  );

  assert.deepEqual(errors, [], "no script error on any page");
});
