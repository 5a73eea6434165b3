/**
 * A file served as it is (a page's script, a stylesheet, an icon): its bytes
 * read once, its media type, and a strong ETag from its content. Browsers get
 * `Cache-Control: no-cache`, so they always ask, and a 304 when nothing
 * changed: a new release shows at once without renaming every file.
 *
 * @module
 */
import type { Context } from "hono";
import { extname } from "node:path";

export interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

/** The media type for a file name, by its extension. */
export function mediaType(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? "application/octet-stream";
}

/** Wraps bytes as a file named `name` (which gives its media type). */
export async function staticFile(name: string, body: Uint8Array<ArrayBuffer>): Promise<StaticFile> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  const hex = Array.from(digest.slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("");
  return { body, type: mediaType(name), etag: `"${hex}"` };
}

/** Whether an If-None-Match header names `etag` (or is `*`). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag || t === `W/${etag}`;
  });
}

/** Answers with the file, or 304 when the client holds this version. */
export function serveFile(c: Context, file: StaticFile, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = {
    "content-type": file.type,
    "cache-control": "no-cache",
    etag: file.etag,
    "x-content-type-options": "nosniff",
    ...extra,
  };
  if (matches(c.req.header("if-none-match"), file.etag)) {
    delete headers["content-type"];
    return c.body(null, 304, headers);
  }
  if (c.req.method === "HEAD") return c.body(null, 200, headers);
  return c.body(file.body, 200, headers);
}
