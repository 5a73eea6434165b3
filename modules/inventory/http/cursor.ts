/**
 * Listing cursors: opaque to clients, a creation sequence number to us. Paging
 * on the sequence (not on an offset) keeps pages stable when products are
 * added or deleted between requests.
 *
 * @module
 */

const PREFIX = "c1:";

export function encodeCursor(seq: number): string {
  return btoa(`${PREFIX}${seq}`).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The sequence number a cursor stands for, or null when it is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return null;
  let text: string;
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
  const match = /^c1:(0|[1-9][0-9]{0,15})$/.exec(text);
  if (!match) return null;
  const seq = Number(match[1]);
  return Number.isSafeInteger(seq) ? seq : null;
}
