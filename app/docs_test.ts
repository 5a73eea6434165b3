import assert from "node:assert/strict";
import { silentLogger } from "../lib/logger.ts";
import { DATA_MODULE_NAMES } from "../lib/module.ts";
import { testSettings } from "../lib/settings.ts";
import { startProcess } from "./process.ts";

Deno.test("a process of web alone documents the whole system and serves Swagger UI itself", async () => {
  const process = await startProcess({
    modules: ["web"],
    busUrl: "memory://docs-test",
    namespace: "docs-test",
    store: "memory",
    redisUrl: null,
    settings: testSettings(),
    log: silentLogger,
  });
  try {
    const spec = await (await process.app.request("/openapi.json")).json();
    for (const module of DATA_MODULE_NAMES) {
      const prefix = module === "orders" ? "/orders" : `/${module}/`;
      assert.ok(
        Object.keys(spec.paths).some((path) => path.startsWith(prefix)),
        `${module}'s routes are documented by a process that does not run it`,
      );
    }
    assert.ok(spec.paths["/admin/dead-letters"]);

    const page = await process.app.request("/docs");
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy")!, /script-src 'self'/);
    const html = await page.text();
    assert.doesNotMatch(html, /<script>[^<]/, "no inline script");
    const scripts = [...html.matchAll(/<(?:script src|link rel="stylesheet" href)="([^"]+)"/g)]
      .map((m) => m[1]!);
    assert.deepEqual(scripts.sort(), [
      "/docs/docs.css",
      "/docs/init.js",
      "/docs/swagger-ui-bundle.js",
      "/docs/swagger-ui.css",
    ]);
    for (const path of scripts) {
      const file = await process.app.request(path);
      assert.equal(file.status, 200, path);
      assert.ok(file.headers.get("etag"), `${path} has an ETag`);
      assert.ok((await file.arrayBuffer()).byteLength > 0);
    }
    const init = await (await process.app.request("/docs/init.js")).text();
    assert.match(init, /url: "\/openapi\.json"/);
    assert.equal((await process.app.request("/docs/nope.js")).status, 404);
  } finally {
    await process.stop(0);
  }
});
