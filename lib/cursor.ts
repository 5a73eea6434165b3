/**
 * Listing cursors: opaque to clients, to a module the position where the last
 * page ended (its last item's creation time and id), base64url-encoded behind
 * a tag of the module's own, so one listing's cursor is never taken for another's.
 *
 * @module
 */
import { id } from "./schemas.ts";

/** Long enough for any position: the tag, a 16-digit time and a 128-character id. */
export const MAX_CURSOR_LENGTH = 256;

/** Where a page ended: the last item's creation time (ms) and id. */
export interface Position {
  created: number;
  id: string;
}

export interface CursorCodec {
  encode(position: Position): string;
  /** The position a cursor stands for, or null when it is not one of this codec's. */
  decode(cursor: string): Position | null;
}

/** Cursors tagged `tag` (a letter and a digit: "o1", "a1"). */
export function cursorCodec(tag: string): CursorCodec {
  // Ids may hold ":" themselves, so everything after the time is the id.
  const shape = new RegExp(`^${tag}:(0|[1-9][0-9]{0,15}):(.*)$`, "s");
  return {
    encode: (position) =>
      btoa(`${tag}:${position.created}:${position.id}`)
        .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""),
    decode(cursor) {
      if (!/^[A-Za-z0-9_-]+$/.test(cursor) || cursor.length > MAX_CURSOR_LENGTH) return null;
      let text: string;
      try {
        text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
      } catch {
        return null;
      }
      const match = shape.exec(text);
      if (!match || !id.safeParse(match[2]).success) return null;
      const created = Number(match[1]);
      return Number.isSafeInteger(created) ? { created, id: match[2]! } : null;
    },
  };
}
