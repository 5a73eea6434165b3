/**
 * The soak's pass rule, over its samples: what is stored data and what would
 * be a leak. Pure arithmetic, so `_soak_verdict_test.ts` can show it on
 * made-up series (a leak fails, data growth and a GC sawtooth pass).
 *
 * - Slopes are Theil–Sen (the median of the slopes between every two points),
 *   not least squares: a few spikes from a neighbour's benchmark on the
 *   shared machine move a median, not a fit, while a steady trend moves both.
 * - Series with a one-sided noise are judged on their per-minute minima: RSS
 *   (a collection brings it down to what is held, garbage only adds) and the
 *   p99 (another program on the machine only ever adds latency). A leak or a
 *   trend raises the minima too.
 * - **Flat** (a series that must not grow): its slope × the measured window
 *   is at most `max(floor, share × median)`. Only growth fails; a series that
 *   falls is not a leak.
 * - **Data** (a series that grows with the orders stored): its cost per
 *   order, the Theil–Sen slope of bytes over settled orders, in the later
 *   half of the window is at most the earlier half's × 1.25 + 64 B. Data
 *   costs the same for the ten-thousandth order as for the first; what costs
 *   more per order as the run goes on is a leak (or an index that grows worse
 *   than linearly), and fails.
 *
 * @module
 */

/** `[x, y]`: minutes (or settled orders) and the value. */
export type Point = [number, number];

export interface ProcessSample {
  rssMb: number;
  /** The V8 heap right after a full collection (null: not read this time; every 30 s). */
  heapMb: number | null;
}

export interface RedisSample {
  usedMb: number;
  /** MEMORY USAGE of the modules' keys: the stored records. */
  dataMb: number;
  /**
   * What carries messages and connections: MEMORY USAGE of the bus's keys
   * (streams, groups, pending lists, dead letters) and of any key no module
   * owns, and the clients' buffers and scripts (MEMORY STATS).
   */
  transportMb: number;
  keys: number;
  streamLength: number;
}

export interface Sample {
  minute: number;
  placed: number;
  settled: number;
  pending: number;
  /** p99 placement→terminal of the orders answered in the interval (null: none). */
  p99Ms: number | null;
  /** Orders of the interval left out of the p99 because a collection the soak forced paused them. */
  paused: number;
  processes: Record<string, ProcessSample>;
  redis: RedisSample | null;
}

export interface Check {
  series: string;
  /** `flat` or `data`. */
  rule: string;
  unit: string;
  /** Flat: drift over the window. Data: the later half's cost per order. */
  value: number;
  allowed: number;
  /** Data: the earlier half's cost per order. */
  early?: number;
  pass: boolean;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median slope over every pair of points with different x (0 with fewer than two). */
export function theilSen(points: readonly Point[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const [xi, yi] = points[i]!;
      const [xj, yj] = points[j]!;
      if (xj !== xi) slopes.push((yj - yi) / (xj - xi));
    }
  }
  return slopes.length === 0 ? 0 : median(slopes);
}

/**
 * The lowest point of each `width`-wide stretch of x: the troughs right after
 * the collections, where a heap that is only garbage between them returns. A
 * stretch with fewer than half the points of the fullest (the run's last,
 * cut short) has no trough to speak of and is left out.
 */
export function windowMinima(points: readonly Point[], width: number): Point[] {
  const windows = new Map<number, { lowest: Point; count: number }>();
  const x0 = points[0]?.[0] ?? 0;
  for (const point of points) {
    const window = Math.floor((point[0] - x0) / width);
    const seen = windows.get(window);
    if (!seen) windows.set(window, { lowest: point, count: 1 });
    else {
      seen.count++;
      if (point[1] < seen.lowest[1]) seen.lowest = point;
    }
  }
  const fullest = Math.max(0, ...[...windows.values()].map((w) => w.count));
  return [...windows.values()].filter((w) => 2 * w.count >= fullest).map((w) => w.lowest);
}

export interface FlatBound {
  /** Drift always allowed (the measurement's own noise), in the series' unit. */
  floor: number;
  /** Drift allowed as a share of the series' median. */
  share: number;
}

export function flat(series: string, unit: string, points: readonly Point[], bound: FlatBound) {
  const window = points.length > 1 ? points.at(-1)![0] - points[0]![0] : 0;
  const drift = theilSen(points) * window;
  const allowed = Math.max(bound.floor, bound.share * median(points.map(([, y]) => y)));
  return { series, rule: "flat", unit, value: drift, allowed, pass: drift <= allowed };
}

/** How much more an order may cost late in the run than early, before it is a leak. */
export const DATA_BOUND = { share: 0.25, floorBytes: 64 };

/** `points`: `[settled orders, bytes]`. Costs are bytes per order. */
export function constantPerOrder(series: string, points: readonly Point[]): Check {
  const half = Math.floor(points.length / 2);
  const early = theilSen(points.slice(0, half + 1));
  const late = theilSen(points.slice(half));
  const allowed = Math.max(0, early) * (1 + DATA_BOUND.share) + DATA_BOUND.floorBytes;
  return {
    series,
    rule: "data",
    unit: "B/order",
    value: late,
    allowed,
    early,
    pass: late <= allowed,
  };
}

const MIB = 2 ** 20;

/**
 * Bounds, each the measurement's noise on a shared 2-core machine; over the
 * default run (20 orders/s, 8 minutes after warm-up, ≈ 9,600 orders) 2 MiB
 * is ≈ 220 B per order, 3 MiB ≈ 330 B, 16 MiB ≈ 1.7 KiB.
 */
export const BOUNDS = {
  /** A process's live heap: what is left in flight at the collection. */
  heap: { floor: 2, share: 0.05 },
  /** RSS troughs: the allocator returns pages late, and in steps. */
  rss: { floor: 16, share: 0.1 },
  /** Redis's streams, groups and clients' buffers: a client's reply buffer comes and goes. */
  transport: { floor: 3, share: 0.1 },
  /** Stream lengths: trimming is approximate (XTRIM ~). */
  streams: { floor: 500, share: 0.1 },
  p99: { floor: 25, share: 0.1 },
} satisfies Record<string, FlatBound>;

/**
 * Every check of one shape's samples after the warm-up. `holdsData`: its
 * processes keep the stores in memory (all-in-one memory), so their heap is
 * judged as data; otherwise (the stores in Redis) a process's heap must be flat.
 */
export function soakChecks(samples: readonly Sample[], warmupMin: number, holdsData: boolean) {
  const after = samples.filter((s) => s.minute > warmupMin);
  const checks: Check[] = [];
  const series = (x: (s: Sample) => number, y: (s: Sample) => number | null | undefined) =>
    after.flatMap((s): Point[] => {
      const value = y(s);
      return value === null || value === undefined ? [] : [[x(s), value]];
    });
  const byTime = (y: (s: Sample) => number | null | undefined) => series((s) => s.minute, y);
  const byOrders = (mb: (s: Sample) => number | null | undefined) =>
    series((s) => s.settled, (s) => {
      const value = mb(s);
      return value === null || value === undefined ? value : value * MIB;
    });
  for (const name of Object.keys(after[0]?.processes ?? {})) {
    const heap = (s: Sample) => s.processes[name]?.heapMb;
    if (byTime(heap).length >= 4) {
      checks.push(
        holdsData
          ? constantPerOrder(`live heap ${name}`, byOrders(heap))
          : flat(`live heap ${name}`, "MiB", byTime(heap), BOUNDS.heap),
      );
    }
    // With the data in the heap, RSS is judged less the heap's growth (the stores), the
    // heap read at the latest collection before each RSS sample.
    const heaps = byTime(heap);
    const firstHeap = heaps[0]?.[1] ?? 0;
    const heapAt = (minute: number) => heaps.findLast(([at]) => at <= minute)?.[1] ?? firstHeap;
    const rss = (s: Sample) =>
      s.processes[name]!.rssMb - (holdsData ? heapAt(s.minute) - firstHeap : 0);
    checks.push(
      flat(
        `RSS ${name}${holdsData ? " less heap growth" : ""}, per-minute troughs`,
        "MiB",
        windowMinima(byTime(rss), 1),
        BOUNDS.rss,
      ),
    );
  }
  if (after[0]?.redis) {
    checks.push(
      flat(
        "Redis transport (bus keys, clients, scripts)",
        "MiB",
        byTime((s) => s.redis?.transportMb),
        BOUNDS.transport,
      ),
      // The modules' keys and what Redis spends on each key beside MEMORY USAGE (its table).
      constantPerOrder(
        "Redis stored data (used_memory less transport)",
        byOrders((s) => s.redis && s.redis.usedMb - s.redis.transportMb),
      ),
      flat("bus streams (XLEN)", "entries", byTime((s) => s.redis?.streamLength), BOUNDS.streams),
    );
  }
  // A neighbour's work only ever adds latency: the quietest 10 s of each minute is the system's own.
  checks.push(
    flat(
      "p99 placement→terminal, per-minute quietest",
      "ms",
      windowMinima(byTime((s) => s.p99Ms), 1),
      BOUNDS.p99,
    ),
  );
  return checks;
}

/** The checks as a Markdown table, for the console. */
export function checkTable(name: string, checks: readonly Check[]): string {
  const rows = [
    `\n| ${name} | rule | value | allowed | pass |`,
    "| --- | --- | ---: | ---: | --- |",
  ];
  for (const c of checks) {
    const value = c.rule === "data"
      ? `${c.value.toFixed(0)} ${c.unit} (early ${c.early?.toFixed(0)})`
      : `${c.value >= 0 ? "+" : ""}${c.value.toFixed(1)} ${c.unit}`;
    rows.push(
      `| ${c.series} | ${c.rule} | ${value} | ≤ ${c.allowed.toFixed(c.rule === "data" ? 0 : 1)} | ${
        c.pass ? "yes" : "NO"
      } |`,
    );
  }
  return rows.join("\n");
}
