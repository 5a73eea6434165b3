import assert from "node:assert/strict";
import type { Order } from "./domain/order.ts";
import { OrderChanges, OrderWatch, OthersWriting } from "./changes.ts";

const order = (version: number) => ({ id: "ord_1", version, status: "paid" }) as unknown as Order;

Deno.test("OrderWatch reads again at once when poked, long before its fallback re-read", async () => {
  const changes = new OrderChanges();
  let stored = order(1);
  let reads = 0;
  const watch = new OrderWatch(changes, "ord_1", () => {
    reads++;
    return Promise.resolve(stored);
  }, 60_000);
  try {
    const started = performance.now();
    const next = watch.next(1, { until: Date.now() + 10_000 });
    stored = order(2);
    changes.poke("ord_1");
    assert.equal((await next)?.version, 2);
    assert.ok(performance.now() - started < 1_000, "woken by the poke, not the 60 s re-read");
    assert.equal(reads, 1);
  } finally {
    watch.close();
  }
});

Deno.test("OthersWriting pokes the waiters of what the store hears, and closes what it opened", async () => {
  const changes = new OrderChanges();
  const poked: (Order | null)[] = [];
  changes.listen("ord_1", (o) => poked.push(o));
  let hear: (id: string) => void = () => {};
  let closed = false;
  const worker = new OthersWriting(
    {
      watchOthers(changed) {
        hear = changed;
        return Promise.resolve({ close: () => Promise.resolve(void (closed = true)) });
      },
    },
    changes,
    () => {},
  );
  worker.start();
  await Promise.resolve();
  hear("ord_1");
  hear("ord_2");
  assert.deepEqual(poked, [null]);
  await worker.stop();
  assert.equal(closed, true);
});
