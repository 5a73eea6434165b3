import assert from "node:assert/strict";
import {
  answerToRepeatedPlacement,
  decideCommit,
  decideRelease,
  decideReservation,
  mergeLines,
  RESERVATION_STATES,
} from "./reservation.ts";

const shelves: Record<string, { stock: number; price: number }> = {
  a: { stock: 5, price: 100 },
  b: { stock: 1, price: 7 },
};
const shelfOf = (id: string) => shelves[id] ?? null;

Deno.test("mergeLines() sums repeated products in first-seen order", () => {
  assert.deepEqual(
    mergeLines([
      { product_id: "b", quantity: 1 },
      { product_id: "a", quantity: 2 },
      { product_id: "b", quantity: 3 },
    ]),
    [{ product_id: "b", quantity: 4 }, { product_id: "a", quantity: 2 }],
  );
});

Deno.test("decideReservation() holds every line at the shelf price", () => {
  assert.deepEqual(decideReservation([{ product_id: "a", quantity: 5 }], shelfOf), {
    held: true,
    lines: [{ product_id: "a", quantity: 5, unit_price: 100 }],
  });
});

const REJECTIONS = [
  ["a short line", ["a", 1], ["b", 2], "out_of_stock", "b"],
  ["an unknown product before a short line", ["b", 9], ["x", 1], "unknown_product", "x"],
] as const;

for (const [what, first, second, reason, product_id] of REJECTIONS) {
  Deno.test(`decideReservation() rejects ${what}`, () => {
    const lines = [first, second].map(([id, quantity]) => ({ product_id: id, quantity }));
    assert.deepEqual(decideReservation(lines, shelfOf), { held: false, reason, product_id });
  });
}

Deno.test("decideCommit() and decideRelease() answer every state", () => {
  const commits = Object.fromEntries(
    [...RESERVATION_STATES, null].map((s) => [String(s), decideCommit(s)]),
  );
  assert.deepEqual(commits, {
    held: { kind: "commit" },
    committed: { kind: "already_committed" },
    released: { kind: "fail", reason: "reservation_released" },
    returned: { kind: "fail", reason: "reservation_released" },
    lost: { kind: "fail", reason: "reservation_lost" },
    rejected: { kind: "fail", reason: "reservation_released" },
    null: { kind: "fail", reason: "reservation_lost" },
  });
  const releases = Object.fromEntries(
    [...RESERVATION_STATES, null].map((s) => [String(s), decideRelease(s)]),
  );
  assert.deepEqual(releases, {
    held: { kind: "release" },
    committed: { kind: "return" },
    released: { kind: "repeat", returned: false },
    returned: { kind: "repeat", returned: true },
    lost: { kind: "repeat", returned: false },
    rejected: { kind: "repeat", returned: false },
    null: { kind: "tombstone" },
  });
  assert.equal(answerToRepeatedPlacement("held"), "repeat_reserved");
  assert.equal(answerToRepeatedPlacement("rejected"), "repeat_rejected");
  assert.equal(answerToRepeatedPlacement("released"), "nothing");
});
