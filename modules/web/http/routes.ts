/**
 * The web module's routes: the two shells, their assets under one prefix, and
 * the icon. Nothing here reads another module's data: the pages call the
 * public JSON API from the browser, on the same origin.
 *
 * @module
 */
import { Hono } from "hono";
import { notFound } from "../../../lib/errors.ts";
import { serveFile, type StaticFile, staticFile } from "../../../lib/static_file.ts";
import { ASSET_PREFIX, consoleShell, facePreloads, storeShell } from "./shell.tsx";

/**
 * What the pages may load: only this origin. Inline scripts and styles are
 * refused; a script sets styles through the CSSOM, which CSP allows.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE_HEADERS = {
  "content-security-policy": PAGE_CSP,
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

const encoder = new TextEncoder();

export async function webRoutes(assets: ReadonlyMap<string, StaticFile>): Promise<Hono> {
  const store = await staticFile(
    "index.html",
    encoder.encode(storeShell(facePreloads(assets.keys(), "store"))),
  );
  const consolePage = await staticFile(
    "admin.html",
    encoder.encode(consoleShell(facePreloads(assets.keys(), "admin"))),
  );
  const app = new Hono();
  app.get("/", (c) => serveFile(c, store, PAGE_HEADERS));
  // `/admin` is the console page; `/admin/<anything>` stays the admin API's.
  app.get("/admin", (c) => serveFile(c, consolePage, PAGE_HEADERS));
  app.get("/admin/", (c) => serveFile(c, consolePage, PAGE_HEADERS));
  app.get("/favicon.ico", (c) => serveFile(c, assets.get("favicon.ico")!));
  app.get(`${ASSET_PREFIX}*`, (c) => {
    const name = c.req.path.slice(ASSET_PREFIX.length);
    const file = assets.get(name);
    if (!file) throw notFound("Asset", name);
    return serveFile(c, file);
  });
  return app;
}
