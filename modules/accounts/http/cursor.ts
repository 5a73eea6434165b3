/**
 * Customer listing cursors (lib/cursor.ts), tagged "a1".
 *
 * @module
 */
import { cursorCodec, MAX_CURSOR_LENGTH } from "../../../lib/cursor.ts";

export { MAX_CURSOR_LENGTH };
export const { encode: encodeCursor, decode: decodeCursor } = cursorCodec("a1");
