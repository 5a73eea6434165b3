import assert from "node:assert/strict";
import { Log } from "./log.ts";

Deno.test("Log keeps positions stable while it drops from the front", () => {
  const log = new Log<number>();
  for (let n = 0; n < 5_000; n++) {
    log.append(n);
    if (log.length > 1_000) log.shift();
  }
  assert.equal(log.length, 1_000);
  assert.equal(log.first, 4_000);
  assert.equal(log.end, 5_000);
  assert.equal(log.at(4_000), 4_000);
  assert.equal(log.at(4_999), 4_999);
});

Deno.test("Log.shift() empties it in order and then returns undefined", () => {
  const log = new Log<string>();
  for (const item of ["a", "b", "c"]) log.append(item);
  assert.deepEqual([log.shift(), log.shift(), log.shift(), log.shift()], [
    "a",
    "b",
    "c",
    undefined,
  ]);
  assert.equal(log.first, log.end);
});
