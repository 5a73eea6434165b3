import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import { InflightOrders, type Placed } from "./admission.ts";
import type { Order } from "./domain/order.ts";

function placed(id: string, status = "pending", replayed = false): Placed {
  return { order: { id, status } as Order, replayed };
}

Deno.test("InflightOrders.admit() refuses past the limit with 503 and Retry-After, before placing", async () => {
  const inflight = new InflightOrders(2, () => Promise.resolve(null));
  await inflight.admit(() => Promise.resolve(placed("a")));
  await inflight.admit(() => Promise.resolve(placed("b")));
  let ran = false;
  const refused = await inflight.admit(() => {
    ran = true;
    return Promise.resolve(placed("c"));
  }).catch((error) => error);
  assert.ok(refused instanceof AppError);
  assert.equal(refused.status, 503);
  assert.equal(refused.code, "unavailable");
  assert.equal(refused.retryAfterS, 1);
  assert.match(refused.message, /MAX_INFLIGHT_ORDERS 2/);
  assert.equal(ran, false, "nothing placed");
  inflight.observed(placed("a", "confirmed").order);
  await inflight.admit(() => Promise.resolve(placed("c")));
  assert.equal(inflight.count, 2);
});

Deno.test("InflightOrders counts placements under way, and not replays or failures", async () => {
  const inflight = new InflightOrders(1, () => Promise.resolve(null));
  let finish!: (value: Placed) => void;
  const first = inflight.admit(() => new Promise<Placed>((resolve) => finish = resolve));
  assert.equal(inflight.count, 1, "the placement under way counts");
  await assert.rejects(inflight.admit(() => Promise.resolve(placed("x"))), AppError);
  finish(placed("k", "pending", true));
  await first;
  assert.equal(inflight.count, 0, "a replay was counted when first accepted");
  await assert.rejects(inflight.admit(() => Promise.reject(new Error("store down"))), /store down/);
  assert.equal(inflight.count, 0, "a failed placement leaves nothing counted");
});

Deno.test("InflightOrders looks up orders another process finished, and keeps them while the store fails", async () => {
  const statuses = new Map<string, string>([["a", "pending"], ["b", "pending"]]);
  let failing = false;
  const inflight = new InflightOrders(5, (id) => {
    if (failing) return Promise.reject(new Error("timeout"));
    return Promise.resolve({ id, status: statuses.get(id) } as Order);
  });
  await inflight.admit(() => Promise.resolve(placed("a")));
  await inflight.admit(() => Promise.resolve(placed("b")));
  inflight.start();
  try {
    failing = true;
    statuses.set("a", "rejected");
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    assert.equal(inflight.count as number, 2, "unreadable orders stay counted");
    failing = false;
    const until = Date.now() + 5_000;
    while (Number(inflight.count) !== 1 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(inflight.count, 1, "the terminal one left the count; the pending one stays");
  } finally {
    await inflight.stop();
  }
});
