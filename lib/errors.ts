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
  | "unavailable";

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unavailable: 503,
};

export class AppError extends Error {
  readonly status: number;
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
