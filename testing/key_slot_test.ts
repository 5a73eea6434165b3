import assert from "node:assert/strict";
import { keySlot } from "./key_slot.ts";

Deno.test("keySlot() is CRC16/XMODEM of the key, modulo 16384", () => {
  // 0x31C3, the check value of CRC-16/XMODEM for "123456789".
  assert.equal(keySlot("123456789"), 0x31c3);
  // As CLUSTER KEYSLOT answers on redis 7.
  assert.equal(keySlot("foo"), 12_182);
  assert.equal(keySlot("bar"), 5_061);
});

Deno.test("keySlot() hashes only a key's first non-empty hash tag", () => {
  assert.equal(keySlot("t_1:{orders}:order:ord_1"), keySlot("orders"));
  assert.equal(keySlot("{orders}:moves"), keySlot("{orders}:outbox:lease"));
  assert.equal(keySlot("a{b}{c}"), keySlot("b"));
  // An empty tag or an unclosed brace: the whole key is hashed.
  assert.notEqual(keySlot("{}orders"), keySlot("orders"));
  assert.notEqual(keySlot("{orders"), keySlot("orders"));
});
