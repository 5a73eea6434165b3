/**
 * Customer listing cursors: opaque to clients, to us the position where the
 * last page ended (its last customer's creation time and id), base64url-encoded.
 *
 * @module
 */
import { id } from "../../../lib/schemas.ts";
import type { CustomerPosition } from "../store/types.ts";

/** Long enough for any position: the prefix, a 16-digit time and a 128-character id. */
export const MAX_CURSOR_LENGTH = 256;

export function encodeCursor(position: CustomerPosition): string {
  return btoa(`a1:${position.created}:${position.id}`)
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The position a cursor stands for, or null when it is not one of ours. */
export function decodeCursor(cursor: string): CustomerPosition | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor) || cursor.length > MAX_CURSOR_LENGTH) return null;
  let text: string;
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
  // Ids may hold ":" themselves, so everything after the time is the id.
  const match = /^a1:(0|[1-9][0-9]{0,15}):(.*)$/s.exec(text);
  if (!match || !id.safeParse(match[2]).success) return null;
  const created = Number(match[1]);
  return Number.isSafeInteger(created) ? { created, id: match[2]! } : null;
}
