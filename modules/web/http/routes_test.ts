import assert from "node:assert/strict";
import { Hono } from "hono";
import { installErrorHandling } from "../../../lib/http.ts";
import { dirname, join, normalize } from "node:path";
import { loadAssets } from "./assets.ts";
import { webRoutes } from "./routes.ts";

const assets = await loadAssets();
const app = new Hono();
// As in every process: named errors become the SPEC body.
installErrorHandling(app, (error) => {
  throw error;
});
app.route("/", await webRoutes(assets));

Deno.test("webRoutes() serves the store at / and the console at /admin and /admin/", async () => {
  const pages = [["/", "store"], ["/admin", "admin"], ["/admin/", "admin"]] as const;
  for (const [path, script] of pages) {
    const response = await app.request(path);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get("content-type")!, /^text\/html/);
    assert.match(response.headers.get("content-security-policy")!, /script-src 'self'/);
    const html = await response.text();
    assert.match(html, /^<!doctype html><html lang="en">/);
    assert.match(html, new RegExp(`<script type="module" src="/assets/js/${script}/main.js">`));
    assert.match(html, /<main id="main"/);
    assert.doesNotMatch(html, /<script>/, "no inline script");
    for (const name of assets.keys()) {
      if (!name.startsWith(`js/${script}/`)) continue;
      assert.ok(html.includes(`<link rel="modulepreload" href="/assets/${name}"/>`), name);
    }
  }
});

Deno.test("webRoutes() answers assets with an ETag and 304 for the version the browser holds", async () => {
  const first = await app.request("/assets/style.css");
  assert.equal(first.status, 200);
  assert.equal(first.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(first.headers.get("cache-control"), "no-cache");
  const etag = first.headers.get("etag")!;
  assert.match(etag, /^"[0-9a-f]{24}"$/);
  await first.body?.cancel();
  const again = await app.request("/assets/style.css", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), "");
  const icon = await app.request("/favicon.ico");
  assert.equal(icon.headers.get("content-type"), "image/x-icon");
  assert.ok((await icon.arrayBuffer()).byteLength > 0);
});

Deno.test("webRoutes() answers an unknown asset with the JSON 404, never a page", async () => {
  const response = await app.request("/assets/js/nope.js");
  assert.equal(response.status, 404);
  assert.equal((await response.json()).error.code, "not_found");
});

Deno.test("the assets load nothing from another host", () => {
  const decoder = new TextDecoder();
  for (const [name, file] of assets) {
    if (!/\.(js|css|html)$/.test(name)) continue;
    const text = decoder.decode(file.body);
    assert.doesNotMatch(text, /(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i, `${name} names a host`);
    assert.doesNotMatch(text, /@import|url\(\s*["']?https?:/i, `${name} imports from elsewhere`);
  }
});

Deno.test("every module a page script imports is an asset", () => {
  const decoder = new TextDecoder();
  const missing: string[] = [];
  for (const [name, file] of assets) {
    if (!name.endsWith(".js")) continue;
    for (const match of decoder.decode(file.body).matchAll(/from\s+"(\.[^"]+)"/g)) {
      const target = normalize(join(dirname(name), match[1]!));
      if (!assets.has(target)) missing.push(`${name} imports ${match[1]}`);
    }
  }
  assert.deepEqual(missing, []);
});
