/**
 * The interactive docs at /docs: Swagger UI (npm `swagger-ui-dist`, served by
 * this process from its own files, never a CDN) reading /openapi.json. Every
 * process serves it, since every process describes the whole system.
 *
 * @module
 */
import { Hono } from "hono";
import { join } from "node:path";
// The package's own way to find its files on disk (node_modules, or the compiled binary's).
import swaggerDirectory from "swagger-ui-dist/absolute-path.js";
import { serveFile, type StaticFile, staticFile } from "../lib/static_file.ts";

export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** The files of swagger-ui-dist the page loads. */
const SWAGGER_FILES = ["swagger-ui.css", "swagger-ui-bundle.js"] as const;

/** Started by a file rather than inline, so the page's CSP refuses every inline script. */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: false,
});
`;

/** Swagger UI styles its widgets inline and draws icons from data: URLs. */
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function docsPage(version: string): string {
  const v = escapeHtml(version);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bazaar ${v} API</title>
<link rel="icon" href="/favicon.ico" sizes="any">
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="stylesheet" href="/docs/docs.css">
</head><body>
<header class="docs-header"><h1>bazaar ${v} API</h1>
<p>Every module's routes, whichever this process runs. Errors are
<code>{"error": {"code", "message", "details"}}</code>. Admin routes need
<code>Authorization: Bearer $ADMIN_TOKEN</code>; customer routes a customer's token or the
store's session cookie. Machine-readable: <a href="/openapi.json">/openapi.json</a>.
Back to <a href="/">the store</a>.</p></header>
<main id="swagger-ui"><noscript>The interactive docs need JavaScript:
read <a href="/openapi.json">/openapi.json</a> instead.</noscript></main>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>`;
}

const DOCS_CSS = `body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1f2328}
.docs-header{max-width:1460px;margin:0 auto;padding:1rem 20px 0}
.docs-header h1{font-size:1.6rem;margin:.5rem 0}
.docs-header a{color:#0b5cad}
`;

const encoder = new TextEncoder();
let files: Promise<Map<string, StaticFile>> | null = null;

/** Read on the first request, not at start-up: most processes never serve /docs. */
function docsFiles(version: string): Promise<Map<string, StaticFile>> {
  files ??= (async () => {
    const dir = swaggerDirectory() as string;
    const map = new Map<string, StaticFile>();
    for (const name of SWAGGER_FILES) {
      map.set(name, await staticFile(name, await Deno.readFile(join(dir, name))));
    }
    map.set("init.js", await staticFile("init.js", encoder.encode(INIT_SCRIPT)));
    map.set("docs.css", await staticFile("docs.css", encoder.encode(DOCS_CSS)));
    map.set("", await staticFile("docs.html", encoder.encode(docsPage(version))));
    return map;
  })();
  files.catch(() => files = null);
  return files;
}

/** GET /docs and the files it loads, under /docs/. */
export function docsRoutes(version: string): Hono {
  const app = new Hono();
  const headers = { "content-security-policy": DOCS_CSP, "referrer-policy": "same-origin" };
  app.get("/docs", async (c) => serveFile(c, (await docsFiles(version)).get("")!, headers));
  app.get("/docs/:file", async (c) => {
    const file = (await docsFiles(version)).get(c.req.param("file"));
    if (!file || c.req.param("file") === "") return c.notFound();
    return serveFile(c, file);
  });
  return app;
}
