import assert from "node:assert/strict";
import { MinHeap } from "./heap.ts";

Deno.test("MinHeap pops in key order whatever the push order", () => {
  const heap = new MinHeap<number>((n) => n);
  const values = Array.from({ length: 500 }, () => Math.floor(Math.random() * 1_000));
  for (const value of values) heap.push(value);
  const popped: number[] = [];
  while (heap.size > 0) popped.push(heap.pop()!);
  assert.deepEqual(popped, [...values].sort((a, b) => a - b));
  assert.equal(heap.pop(), undefined);
});
