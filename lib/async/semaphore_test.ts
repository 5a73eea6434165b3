import assert from "node:assert/strict";
import { Semaphore } from "./semaphore.ts";

Deno.test("Semaphore.run() lets at most `size` run at once, the rest in turn", async () => {
  const semaphore = new Semaphore(2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all([1, 2, 3, 4, 5].map((n) =>
    semaphore.run(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      order.push(n);
      running--;
    })
  ));
  assert.equal(most, 2);
  assert.deepEqual(order.slice(0, 2).sort(), [1, 2]);
  assert.equal(order.length, 5);
});

Deno.test("Semaphore.tryAcquire() takes a free slot only", () => {
  const semaphore = new Semaphore(1);
  assert.equal(semaphore.tryAcquire(), true);
  assert.equal(semaphore.tryAcquire(), false);
  semaphore.release();
  assert.equal(semaphore.tryAcquire(), true);
});

Deno.test("Semaphore.abort() answers every waiter false, now and later", async () => {
  const semaphore = new Semaphore(1);
  assert.equal(await semaphore.acquire(), true);
  const waiting = semaphore.acquire();
  semaphore.abort();
  assert.equal(await waiting, false);
  assert.equal(await semaphore.acquire(), false);
  await assert.rejects(semaphore.run(() => Promise.resolve()), /aborted/);
});

Deno.test("Semaphore rejects a size that is not a positive integer", () => {
  assert.throws(() => new Semaphore(0), /positive integer, got 0/);
});
