import assert from "node:assert/strict";
import { delay } from "./delay.ts";
import { settlesWithin } from "./settles_within.ts";
import { withTimeout } from "./with_timeout.ts";

const never = new Promise<never>(() => {});

Deno.test("withTimeout() settles as the promise does, in time", async () => {
  assert.equal(await withTimeout(Promise.resolve(7), 1_000, "late"), 7);
  await assert.rejects(withTimeout(Promise.reject(new Error("own")), 1_000, "late"), /own/);
});

Deno.test("withTimeout() rejects with the message once the time is up", async () => {
  await assert.rejects(withTimeout(never, 5, "no answer within 5 ms"), /no answer within 5 ms/);
});

Deno.test("settlesWithin() says whether the promise settled in time, failing or not", async () => {
  assert.equal(await settlesWithin(Promise.reject(new Error("x")), 1_000), true);
  assert.equal(await settlesWithin(never, 5), false);
});

Deno.test("delay() ends early when its signal aborts", async () => {
  const abort = new AbortController();
  const sleeping = delay(60_000, { signal: abort.signal });
  abort.abort();
  assert.equal(await settlesWithin(sleeping, 1_000), true);
  await delay(1);
});
