import assert from "node:assert/strict";
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from "./cursor.ts";

Deno.test("decodeCursor() reads back what encodeCursor() wrote", () => {
  const positions = [
    { created: 0, id: "o" },
    { created: Date.parse("2030-01-01T00:00:00.000Z"), id: "ord_00abc0000f00d" },
    { created: Number.MAX_SAFE_INTEGER, id: "a:b.c-d_e" },
    { created: 1, id: "x".repeat(128) },
  ];
  for (const position of positions) {
    const cursor = encodeCursor(position);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.ok(cursor.length <= MAX_CURSOR_LENGTH, cursor);
    assert.deepEqual(decodeCursor(cursor), position);
  }
});

Deno.test("decodeCursor() refuses what it did not write", () => {
  const bad = [
    "",
    "abc",
    "%%%",
    "Zm9v",
    btoa("o1:1"),
    btoa("o1:-1:ord_1"),
    btoa("o1:01:ord_1"),
    btoa("o1:1.5:ord_1"),
    btoa("o1:1:"),
    btoa("o1:1:a b"),
    btoa("o1:1:ord_1\n"),
    btoa("c1:1"),
    btoa("o1:99999999999999999:ord_1"),
    "A".repeat(MAX_CURSOR_LENGTH + 4),
  ];
  for (const cursor of bad) assert.equal(decodeCursor(cursor), null, cursor);
});
