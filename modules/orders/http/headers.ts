/**
 * The two request headers POST /orders understands: `Prefer: wait=N`
 * (RFC 7240) and `Idempotency-Key`.
 *
 * @module
 */
import { invalid } from "../../../lib/errors.ts";

/** Longest wait a request gets (SPEC: N ≤ 30 seconds; a longer one counts as 30). */
export const MAX_WAIT_SECONDS = 30;

/**
 * The `wait` preference in seconds (at most 30), or null when none was asked
 * for. As RFC 7240 asks, a malformed preference is ignored rather than refused,
 * and only the first `wait` counts.
 */
export function preferredWait(header: string | undefined): number | null {
  if (!header) return null;
  for (const preference of header.split(",")) {
    const [token = "", ...rest] = preference.split(";")[0]!.split("=");
    if (token.trim().toLowerCase() !== "wait") continue;
    const value = rest.join("=").trim().replace(/^"(.*)"$/, "$1");
    if (!/^\d+$/.test(value)) return null;
    return Math.min(Number(value), MAX_WAIT_SECONDS);
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
