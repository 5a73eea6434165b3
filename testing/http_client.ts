/**
 * JSON over HTTP for the tests, the same whether the app runs in this process
 * (`app.request`) or in child processes reached by `fetch`: a `call` that
 * sends a bearer token and JSON and answers `{status, body, headers}`.
 *
 * @module
 */
import assert from "node:assert/strict";

export interface Reply {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
  headers: Headers;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as-is, instead of JSON of `body`. */
  raw?: string;
  headers?: Record<string, string>;
}

export type Call = (method: string, path: string, options?: RequestOptions) => Promise<Reply>;

/** Whatever answers a request for a path: a Hono app's `request`, or `fetch` against a base URL. */
export type Fetcher = (path: string, init: RequestInit) => Response | Promise<Response>;

export function httpCaller(fetcher: Fetcher): Call {
  return async (method, path, request = {}) => {
    const headers: Record<string, string> = { ...request.headers };
    if (request.token) headers.authorization = `Bearer ${request.token}`;
    let body: string | undefined;
    if (request.raw !== undefined) body = request.raw;
    else if (request.body !== undefined) body = JSON.stringify(request.body);
    if (body !== undefined) headers["content-type"] ??= "application/json";
    const response = await fetcher(path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (HTML, say): keep the text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
}

/**
 * A caller for real processes: one base URL for everything, or a function
 * that picks the base URL for a path (by its first segment, as a gateway would).
 */
export function remoteCaller(base: string | ((path: string) => string)): Call {
  return httpCaller((path, init) => {
    const url = typeof base === "string" ? base : base(path);
    return fetch(`${url}${path}`, init);
  });
}

/** The SPEC error body, `{error: {code, message}}`, with one of the allowed statuses. */
export function assertErrorBody(reply: Reply, status: number | number[]): void {
  const allowed = Array.isArray(status) ? status : [status];
  assert.ok(
    allowed.includes(reply.status),
    `status ${reply.status}: ${JSON.stringify(reply.body)}`,
  );
  const error = (reply.body as { error?: { code?: unknown; message?: unknown } }).error;
  assert.equal(typeof error?.code, "string", JSON.stringify(reply.body));
  assert.equal(typeof error?.message, "string");
}

/** Whether `url` answers a GET with a 2xx (false when nothing listens there yet). */
export async function answersOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
