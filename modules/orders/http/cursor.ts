/**
 * Order listing cursors (lib/cursor.ts), tagged "o1".
 *
 * @module
 */
import { cursorCodec, MAX_CURSOR_LENGTH } from "../../../lib/cursor.ts";

export { MAX_CURSOR_LENGTH };
export const { encode: encodeCursor, decode: decodeCursor } = cursorCodec("o1");
