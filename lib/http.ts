/**
 * HTTP plumbing every module shares: the SPEC error body, the error mapping,
 * and reading a JSON body or a query through a zod schema.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { brokerTrouble } from "./broker_errors.ts";
import { AppError, invalid, unavailable } from "./errors.ts";

/** Retry-After (s) on a 503 for a broker that did not answer: a stall or restart is short. */
const BROKER_RETRY_AFTER_S = 1;

/** Larger request bodies are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

function zodDetails(error: z.ZodError) {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
    code: issue.code,
  }));
}

/** The error for a zod failure, naming the first offending field. */
export function invalidFrom(error: z.ZodError, where = "Request body"): AppError {
  const first = error.issues[0];
  const path = first?.path.length ? ` at "${first.path.map(String).join(".")}"` : "";
  return invalid(`${where} is invalid${path}: ${first?.message ?? "bad value"}`, zodDetails(error));
}

/** Maps every error to the SPEC body; nothing leaks a stack trace. */
export function installErrorHandling(app: Hono, onUnexpected: (error: unknown) => void): void {
  app.onError((thrown, c) => {
    // A store or bus that timed out or dropped the link: the caller may try again.
    const trouble = thrown instanceof AppError ? null : brokerTrouble(thrown);
    const error = trouble
      ? unavailable(
        `A backing service is not answering (${trouble}); try again`,
        BROKER_RETRY_AFTER_S,
      )
      : thrown;
    if (error instanceof AppError) {
      if (error.retryAfterS !== undefined) c.header("Retry-After", String(error.retryAfterS));
      return c.json(errorBody(error.code, error.message, error.details), error.status as 400);
    }
    if (error instanceof z.ZodError) {
      const mapped = invalidFrom(error);
      return c.json(errorBody(mapped.code, mapped.message, mapped.details), 400);
    }
    // Hono's own HTTPException (e.g. a malformed request) carries a status.
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return c.json(errorBody("invalid_request", error.message || "Bad request"), status as 400);
    }
    onUnexpected(error);
    return c.json(errorBody("internal", "Something went wrong on our side"), 500);
  });
  app.notFound((c) =>
    c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}`), 404)
  );
}

/** Reads and validates a JSON body: 415 for another type, 413 past the limit, 400 otherwise. */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const type = (c.req.header("content-type") ?? "").trim();
  // JSON, or no claim to be anything else: a missing type and text/plain (what
  // fetch() sends for a string body) are read as JSON; a declared other format
  // (a form, XML, multipart) is refused rather than misread.
  if (type && !/^(application\/(.+\+)?json|text\/plain)\b/i.test(type)) {
    throw new AppError(
      "unsupported_media_type",
      `Content-Type must be application/json, got "${type}"`,
    );
  }
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge(declared);
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length > MAX_BODY_BYTES) throw tooLarge(bytes.length);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw invalid("Request body is not valid UTF-8 (RFC 8259 requires it)");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid("Request body is not valid JSON");
  }
  // A \u escape can still name half a surrogate pair, which no store can keep as written.
  if (text.includes("\\u") && !wellFormed(json)) {
    throw invalid("Request body has a string with an unpaired surrogate (\\uD800-\\uDFFF)");
  }
  const result = schema.safeParse(json);
  if (!result.success) throw invalidFrom(result.error);
  return result.data;
}

/** Refuses malformed bytes instead of replacing them with U+FFFD. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Whether every string (keys included) in a parsed JSON value is well-formed
 * UTF-16. A loop over a stack of its own, not recursion: JSON.parse accepts
 * nesting thousands deep, which would overflow the call stack (a 500).
 */
function wellFormed(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === "string") {
      if (!value.isWellFormed()) return false;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        if (!key.isWellFormed()) return false;
        pending.push(item);
      }
    }
  }
  return true;
}

function tooLarge(size: number): AppError {
  return new AppError(
    "payload_too_large",
    `Request body of ${size} bytes is over the limit of ${MAX_BODY_BYTES} bytes`,
  );
}

/** Validates the query string (single values) through a schema. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const result = schema.safeParse(c.req.query());
  if (!result.success) throw invalidFrom(result.error, "Query");
  return result.data;
}

/** A path parameter, which Hono guarantees on a matched route. */
export function param(c: Context, name: string): string {
  const value = c.req.param(name);
  if (!value) throw invalid(`Path parameter "${name}" is missing`);
  return value;
}
