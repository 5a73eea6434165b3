/**
 * The short walk-through once against the split deployment: six processes
 * (a web process among them) on Redis Streams behind nginx with the real
 * deploy/nginx/routes.conf. The pages, their assets and /docs come from web;
 * the order's event stream passes through nginx unbuffered; the console's
 * admin API reaches a process with a bus.
 */
import assert from "node:assert/strict";
import { chromiumAvailable, launchBrowser, openPage } from "../testing/browser.ts";
import { clusterAvailable, startCluster } from "../testing/cluster.ts";
import { sumOf } from "../testing/metrics.ts";

Deno.test({
  name: "browser: the store and the console behind nginx, split over six processes",
  ignore: !chromiumAvailable() || !clusterAvailable("redis"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const cluster = await startCluster({ bus: "redis", env: { SIGNUP_CREDIT: "10000" } });
    const browser = await launchBrowser();
    let failed = false;
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!await t.step(name, fn)) failed = true;
    };
    try {
      const created = await cluster.call("POST", "/inventory/products", {
        token: cluster.admin,
        body: { name: "Split kettle", price: 30_00, stock: 5, tags: ["kitchen"], featured: true },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const { page, errors } = await openPage(browser, cluster.gateway.url);

      await step("the web process serves the store through the gateway", async () => {
        await page.goto("/");
        await page.getByRole("list", { name: "Featured products" }).getByText("Split kettle")
          .waitFor();
        const web = cluster.member("web");
        const served = sumOf(await web.metrics(), "http_requests_total", { route: "/" });
        assert.ok(served >= 1, "the page came from the web process");
      });

      await step("sign up, check out, and the status arrives live through nginx", async () => {
        await page.goto("/#/signup");
        await page.getByLabel("Name").fill("Grace");
        await page.getByLabel("Email").fill(`grace-${crypto.randomUUID().slice(0, 8)}@example.com`);
        await page.getByLabel("Password").fill("a long enough password");
        await page.getByRole("button", { name: "Create account" }).click();
        await page.getByRole("navigation", { name: "Main" })
          .getByRole("link", { name: "Account" }).waitFor();
        await page.getByRole("button", { name: "Add to cart: Split kettle" }).first().click();
        await page.goto("/#/cart");
        // Caught at once: a page that found the order already confirmed opens no stream.
        const stream = page.waitForResponse((r) => r.url().endsWith("/events")).catch(() => null);
        await page.getByRole("button", { name: "Place order" }).click();
        await page.waitForURL(/#\/orders?\/./);
        const orderId = decodeURIComponent(new URL(page.url()).hash.split("/").pop()!);
        try {
          await page.locator("#order-status", { hasText: "Confirmed" }).waitFor({
            timeout: 30_000,
          });
        } catch (error) {
          const order = await cluster.call("GET", `/orders/${orderId}`, { token: cluster.admin });
          throw new Error(
            `The page did not show "Confirmed" (${(error as Error).message}); the order is ` +
              `${JSON.stringify(order.body)}; page shows ${await page.locator("#order-status")
                .textContent()}\n${cluster.logs()}`,
          );
        }
        await stream;
        const events = await page.request.get(`/orders/${orderId}/events`);
        assert.match(events.headers()["content-type"] ?? "", /text\/event-stream/);
        assert.match(await events.text(), /event: status\n(id: \d+\n)?data: .*"confirmed"/);
        await page.goto("/#/account");
        await page.locator("#balance", { hasText: "$70.00" }).waitFor();
      });

      await step("the console signs in and counts the order", async () => {
        const admin = await openPage(browser, cluster.gateway.url);
        await admin.page.goto("/admin");
        await admin.page.getByLabel("Admin token").fill(cluster.admin);
        await admin.page.getByRole("button", { name: "Sign in" }).click();
        await admin.page.getByRole("list", { name: "Orders by status" }).getByRole("listitem")
          .filter({ hasText: "Confirmed" }).locator(".value").filter({ hasText: /^1$/ })
          .waitFor({ timeout: 10_000 });
        await admin.page.getByRole("rowheader", { name: "orders" }).waitFor();
        assert.deepEqual(admin.errors, []);
        await admin.context.close();
      });

      await step("/docs is Swagger UI over the whole system's /openapi.json", async () => {
        await page.goto("/docs");
        await page.locator(".swagger-ui .info .title").waitFor();
        for (const path of ["/inventory/products", "/orders/{id}/events", "/admin/dead-letters"]) {
          await page.locator(`[data-path="${path}"]`).first().waitFor();
        }
      });

      assert.deepEqual(errors, [], "no script error on any page");
    } finally {
      if (failed) console.error(cluster.logs());
      await browser.close();
      await cluster.stop();
    }
  },
});
