import assert from "node:assert/strict";
import {
  type Check,
  type Point,
  type Sample,
  soakChecks,
  theilSen,
  windowMinima,
} from "./_soak_verdict.ts";

const MIB = 2 ** 20;
const RATE = 20;

/** Seeded noise in [-1, 1]: the same series every run. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return (state / 2 ** 31) * 2 - 1;
  };
}

interface Run {
  /** MiB of a process's live heap at `orders` settled (and `minute`). */
  heap(orders: number, minute: number): number;
  /** MiB of RSS besides the heap; the default saw-tooths by 40 MiB with the collector. */
  rss?(minute: number): number;
  /** MiB of the modules' keys, and of the transport (bus keys, clients) (null: no Redis). */
  redis?: { data(orders: number): number; rest(orders: number): number };
  p99?(minute: number, i: number): number;
}

/** Up 40 MiB, then down at a collection: the soak forces one every 30 s, V8 runs its own. */
/** What MEMORY USAGE leaves out: ≈ 30 B for each of an order's seven keys. */
const perKey = (orders: number) => (orders * 7 * 30) / MIB;

const sawtooth = (minute: number) => 100 + 40 * (((minute + 0.07) / 0.45) % 1);

/** Ten minutes of samples, 10 s apart, the live heap every third, as the soak takes them. */
function samples(run: Run, processes = ["orders-1", "orders-2"]): Sample[] {
  const jitter = noise(7);
  return Array.from({ length: 60 }, (_, i): Sample => {
    const minute = (i + 1) / 6;
    const settled = Math.round(minute * 60 * RATE);
    const withHeap = i % 3 === 2;
    return {
      minute,
      placed: settled,
      settled,
      pending: 0,
      p99Ms: run.p99?.(minute, i) ?? 80 + 10 * jitter(),
      paused: 0,
      processes: Object.fromEntries(processes.map((name) => {
        const heap = run.heap(settled, minute) + 0.3 * jitter();
        return [name, {
          heapMb: withHeap ? heap : null,
          rssMb: heap + (run.rss ?? sawtooth)(minute) + 2 * jitter(),
        }];
      })),
      redis: run.redis
        ? {
          usedMb: run.redis.data(settled) + run.redis.rest(settled) + perKey(settled) +
            0.2 * jitter(),
          dataMb: run.redis.data(settled) * (1 + 0.01 * jitter()),
          transportMb: run.redis.rest(settled) + 0.1 * jitter(),
          keys: settled * 7,
          streamLength: 9_900 + 60 * jitter(),
        }
        : null,
    };
  });
}

const failed = (checks: Check[]) => checks.filter((c) => !c.pass).map((c) => c.series);

/** A split deployment that keeps nothing: 4.3 KiB per order in Redis, a bounded rest. */
const healthySplit: Run = {
  heap: () => 19,
  redis: { data: (orders) => 2 + (orders * 4_400) / MIB, rest: () => 7 },
};

Deno.test("soakChecks() passes a split run whose stored data grows in Redis only", () => {
  const checks = soakChecks(samples(healthySplit), 2, false);
  assert.deepEqual(failed(checks), []);
  const data = checks.find((c) => c.series === "Redis stored data (used_memory less transport)")!;
  assert.ok(Math.abs(data.value - 4_400 - 7 * 30) < 200, `${data.value} B/order`);
});

Deno.test("soakChecks() fails a process heap that keeps 300 B per order", () => {
  const checks = soakChecks(
    samples({ ...healthySplit, heap: (orders) => 19 + (orders * 300) / MIB }),
    2,
    false,
  );
  assert.deepEqual(failed(checks), ["live heap orders-1", "live heap orders-2"]);
});

Deno.test("soakChecks() fails a process heap that grows by the minute, whatever the orders", () => {
  const checks = soakChecks(
    samples({ ...healthySplit, heap: (_, minute) => 19 + 0.4 * minute }),
    2,
    false,
  );
  assert.deepEqual(failed(checks), ["live heap orders-1", "live heap orders-2"]);
});

Deno.test("soakChecks() fails Redis growth outside the modules' keys (an untrimmed stream)", () => {
  const checks = soakChecks(
    samples({
      ...healthySplit,
      redis: { ...healthySplit.redis!, rest: (orders) => 7 + (orders * 512) / MIB },
    }),
    2,
    false,
  );
  assert.deepEqual(failed(checks), ["Redis transport (bus keys, clients, scripts)"]);
});

Deno.test("soakChecks() fails module data whose cost per order rises as the run goes on", () => {
  // 3 KiB an order plus an index that costs more the more there is (quadratic).
  const checks = soakChecks(
    samples({
      ...healthySplit,
      redis: { data: (orders) => (orders * 3_000 + orders ** 2 * 0.3) / MIB, rest: () => 7 },
    }),
    2,
    false,
  );
  assert.deepEqual(failed(checks), ["Redis stored data (used_memory less transport)"]);
});

Deno.test("soakChecks() passes an in-memory run whose heap grows by the same 4 KiB per order", () => {
  const run: Run = { heap: (orders) => 20 + (orders * 4_000) / MIB };
  const checks = soakChecks(samples(run, ["all"]), 2, true);
  assert.deepEqual(failed(checks), []);
  assert.deepEqual(checks.map((c) => c.rule), ["data", "flat", "flat"]);
});

Deno.test("soakChecks() fails an in-memory heap whose cost per order grows", () => {
  const run: Run = { heap: (orders) => 20 + (orders * 2_000 + orders ** 2 * 0.4) / MIB };
  assert.deepEqual(failed(soakChecks(samples(run, ["all"]), 2, true)), ["live heap all"]);
});

Deno.test("soakChecks() fails RSS that grows beyond the heap (native memory)", () => {
  const run: Run = { ...healthySplit, rss: (minute) => sawtooth(minute) + 4 * minute };
  assert.deepEqual(failed(soakChecks(samples(run), 2, false)), [
    "RSS orders-1, per-minute troughs",
    "RSS orders-2, per-minute troughs",
  ]);
});

Deno.test("soakChecks() passes a GC sawtooth of 40 MiB, judged on its troughs", () => {
  const run = samples(healthySplit);
  const rss = run.filter((s) => s.minute > 2).map((s) => s.processes["orders-1"]!.rssMb);
  assert.ok(Math.max(...rss) - Math.min(...rss) > 35);
  assert.deepEqual(failed(soakChecks(run, 2, false)), []);
});

Deno.test("soakChecks() passes a p99 with a neighbour's bursts, fails one that climbs", () => {
  // A neighbour's benchmark for a minute and a half, then spikes in the last minute.
  const spiky: Run = { ...healthySplit, p99: (_, i) => (i > 55 || (i > 35 && i < 45) ? 350 : 80) };
  assert.deepEqual(failed(soakChecks(samples(spiky), 2, false)), []);
  const climbing: Run = { ...healthySplit, p99: (minute) => 80 + 6 * minute };
  assert.deepEqual(failed(soakChecks(samples(climbing), 2, false)), [
    "p99 placement→terminal, per-minute quietest",
  ]);
});

Deno.test("theilSen() follows the trend, not the outliers", () => {
  const points: Point[] = Array.from(
    { length: 20 },
    (_, i) => [i, 2 * i + (i % 7 === 3 ? 500 : 0)],
  );
  assert.equal(theilSen(points), 2);
  assert.equal(theilSen([[1, 5]]), 0);
});

Deno.test("windowMinima() keeps the lowest point of each stretch", () => {
  const points: Point[] = [[0, 5], [0.5, 3], [1, 9], [1.7, 8], [2.2, 1], [2.6, 4]];
  assert.deepEqual(windowMinima(points, 1), [[0.5, 3], [1.7, 8], [2.2, 1]]);
});

Deno.test("windowMinima() leaves out a last stretch cut short (one sample at a peak)", () => {
  const points: Point[] = [[0, 5], [0.3, 3], [0.6, 6], [1, 9], [1.3, 4], [1.6, 7], [2, 40]];
  assert.deepEqual(windowMinima(points, 1), [[0.3, 3], [1.3, 4]]);
});
