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

Deno.test("OrderWatch keeps a newer version its re-read found while its own older one was announced", async () => {
  // Another process's poke for v4 came before this process heard its own write of v3 answered.
  const changes = new OrderChanges();
  let ownWriteAnswered = false;
  const watch = new OrderWatch(changes, "ord_1", () => {
    if (!ownWriteAnswered) {
      ownWriteAnswered = true;
      changes.stored(order(3));
    }
    return Promise.resolve(order(4));
  }, 60_000);
  try {
    const until = Date.now() + 10_000;
    const first = watch.next(2, { until });
    changes.poke("ord_1");
    assert.equal((await first)?.version, 3, "this process's own version first: no status skipped");
    // Read again within the same turn of the event loop, not after a timer (the fallback re-read).
    const second = watch.next(3, { until });
    const timer = new Promise((resolve) => setTimeout(resolve, 0, "a timer fired first"));
    const answer = await Promise.race([second.then((o) => o?.version), timer]);
    assert.equal(answer, 4);
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
    (id) => changes.poke(id),
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
