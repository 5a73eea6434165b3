/**
 * The few named errors a module throws; `lib/http.ts` maps them to HTTP.
 *
 * @module
 */

export type ErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "too_many_requests"
  | "unavailable";

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  unavailable: 503,
};

export class AppError extends Error {
  readonly status: number;
  /** Sent as `Retry-After` (seconds) with a 429 or 503. */
  retryAfterS?: number;
  constructor(readonly code: ErrorCode, message: string, readonly details?: unknown) {
    super(message);
    this.name = "AppError";
    this.status = STATUS[code];
  }
}

export const invalid = (message: string, details?: unknown) =>
  new AppError("invalid_request", message, details);
export const unauthorized = (message = "A valid bearer token is required") =>
  new AppError("unauthorized", message);
export const forbidden = (message = "This token may not do that") =>
  new AppError("forbidden", message);
export const notFound = (what: string, id: string) =>
  new AppError("not_found", `${what} "${id}" does not exist`);
export const conflict = (message: string, details?: unknown) =>
  new AppError("conflict", message, details);

/** 429 with `Retry-After`: the caller is over a limit for `retryAfterS` more seconds. */
export function tooManyRequests(message: string, retryAfterS: number): AppError {
  const error = new AppError("too_many_requests", message);
  error.retryAfterS = Math.max(1, Math.ceil(retryAfterS));
  return error;
}

/** 503, with `Retry-After` when the caller should come back after a while. */
export function unavailable(message: string, retryAfterS?: number): AppError {
  const error = new AppError("unavailable", message);
  if (retryAfterS !== undefined) error.retryAfterS = Math.max(1, Math.ceil(retryAfterS));
  return error;
}
