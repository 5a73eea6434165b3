/**
 * The two request headers POST /orders understands: `Prefer: wait=N`
 * (RFC 7240) and `Idempotency-Key`.
 *
 * @module
 */
import { invalid } from "../../../lib/errors.ts";

/** Longest wait a request may ask for (SPEC: N ≤ 30 seconds). */
export const MAX_WAIT_SECONDS = 30;

/** The `wait` preference in seconds, or null when none was asked for; 400 when it is not 0..30. */
export function preferredWait(header: string | undefined): number | null {
  if (!header) return null;
  for (const preference of header.split(",")) {
    const [token = "", ...rest] = preference.split(";")[0]!.split("=");
    if (token.trim().toLowerCase() !== "wait") continue;
    const value = rest.join("=").trim().replace(/^"(.*)"$/, "$1");
    const seconds = /^\d{1,2}$/.test(value) ? Number(value) : NaN;
    if (!(seconds <= MAX_WAIT_SECONDS)) {
      throw invalid(
        `Prefer wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}, got "${value}"`,
      );
    }
    return seconds;
  }
  return null;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key, or undefined when there is none; 400 when it is empty or unprintable. */
export function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!KEY.test(header)) {
    throw invalid(
      `Idempotency-Key must be 1 to 255 printable ASCII characters without spaces, got "${
        header.slice(0, 40)
      }"`,
    );
  }
  return header;
}
