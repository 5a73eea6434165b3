/**
 * The docs page: every route of this process, from the same declarations that
 * make /openapi.json. Self-contained HTML, no script from elsewhere.
 *
 * @module
 */
import type { RouteDoc } from "../lib/openapi.ts";

export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

export function docsPage(routes: RouteDoc[], version: string): string {
  const rows = routes.map((r) =>
    `<tr><td class="m">${r.method.toUpperCase()}</td><td><code>${escapeHtml(r.path)}</code></td>` +
    `<td>${escapeHtml(r.summary)}</td><td>${escapeHtml(r.access)}</td><td>${r.status}</td></tr>`
  ).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bazaar ${escapeHtml(version)} API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}
.m{font-weight:600;font-family:monospace}code{font-size:14px}
</style></head><body>
<h1>bazaar ${escapeHtml(version)} API</h1>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Errors are
<code>{"error": {"code", "message", "details"}}</code>. Admin routes need
<code>Authorization: Bearer $ADMIN_TOKEN</code>; customer routes the token returned at sign-up.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>What it does</th><th>Who</th><th>Status</th></tr></thead>
<tbody>
<tr><td class="m">GET</td><td><code>/health</code></td><td>Alive, and which modules run here</td><td>open</td><td>200</td></tr>
<tr><td class="m">GET</td><td><code>/ready</code></td><td>Bus and stores reachable (503 otherwise)</td><td>open</td><td>200</td></tr>
${rows}
</tbody></table></body></html>`;
}
