import assert from "node:assert/strict";
import { decodeCursor, encodeCursor } from "./cursor.ts";

Deno.test("decodeCursor() reads back what encodeCursor() wrote", () => {
  for (const seq of [0, 1, 42, Number.MAX_SAFE_INTEGER]) {
    const cursor = encodeCursor(seq);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.equal(decodeCursor(cursor), seq);
  }
});

Deno.test("decodeCursor() refuses what it did not write", () => {
  for (const bad of ["", "abc", "Zm9v", btoa("c1:-1"), btoa("c1:01"), btoa("c1:1.5"), "%%%"]) {
    assert.equal(decodeCursor(bad), null, bad);
  }
  assert.equal(decodeCursor(btoa("c1:99999999999999999")), null, "past the safe integers");
});
