import assert from "node:assert/strict";
import { idempotencyKey, MAX_WAIT_SECONDS, preferredWait } from "./headers.ts";

Deno.test("preferredWait() reads wait=N among other preferences", () => {
  assert.equal(preferredWait(undefined), null);
  assert.equal(preferredWait(""), null);
  assert.equal(preferredWait("wait=5"), 5);
  assert.equal(preferredWait("respond-async, WAIT = 7"), 7);
  assert.equal(preferredWait('wait="3"'), 3);
  assert.equal(preferredWait("wait=0"), 0);
  assert.equal(preferredWait("return=minimal"), null);
});

Deno.test("preferredWait() counts a wait above 30 s as 30", () => {
  assert.equal(preferredWait("wait=31"), MAX_WAIT_SECONDS);
  assert.equal(preferredWait("wait=45"), 30);
  assert.equal(preferredWait("wait=99999999999999999999999"), 30);
});

Deno.test("preferredWait() ignores a malformed wait, never throws (RFC 7240)", () => {
  for (const header of ["wait=abc", "wait=-1", "wait=1.5", "wait=", "wait", "wait=1e3"]) {
    assert.equal(preferredWait(header), null, header);
  }
  assert.equal(preferredWait("wait=abc, wait=5"), null, "only the first wait counts");
});

Deno.test("idempotencyKey() refuses an empty or unprintable key", () => {
  assert.equal(idempotencyKey(undefined), undefined);
  assert.equal(idempotencyKey("k-1"), "k-1");
  assert.throws(() => idempotencyKey(""));
  assert.throws(() => idempotencyKey("a key"));
});
