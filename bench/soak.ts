/**
 * `deno task soak [--minutes 10] [--rate 20] [--shape all|memory|redis] [--leak BYTES]`:
 * a week in ten minutes. A fixed order rate (open loop: one order every
 * 1000/rate ms whatever the answers) for the given time, on an all-in-one
 * memory process and on a split deployment on a private Redis (inventory,
 * accounts, two orders, messaging). Each order is placed with
 * `Prefer: wait=10` (its answer comes when it is terminal) and an
 * Idempotency-Key; one in 20 has no money, one in 25 is cancelled. Day-long
 * lifetimes are cut to fit the run (idempotency keys 60 s, bus history 60 s
 * or 2,000 per stream), so what should expire does, within the warm-up.
 *
 * Every 10 s: each process's RSS, and every 30 s its **live heap** (through
 * the V8 inspector: a forced full collection, then the heap in use — what
 * the process holds, without the sawtooth of garbage between collections);
 * Redis's `used_memory` in three parts (bench/_keyspace.ts): the modules'
 * keys (MEMORY USAGE by SCAN, sampled per kind of key: the stored records),
 * transport (the bus's keys, clients' buffers, scripts) and the rest, Redis's
 * own cost per key; stream lengths; pending per group; the
 * interval's p99 placement→terminal. Orders that a forced collection paused
 * are left out of the p99 (and counted): the soak's own pause is not the
 * system's latency.
 *
 * Stored data is not a leak, and the rule tells them apart by where the
 * bytes are. After the warm-up (the first third, at most 2 minutes), with
 * Theil–Sen slopes (bench/_soak_verdict.ts has the arithmetic, and its test
 * shows a leak failing and data growth and a GC sawtooth passing):
 * - split: every process's live heap is **flat** — the stores are in Redis,
 *   so a process has nothing to keep per order — and so are its RSS troughs
 *   (per-minute minima);
 * - split: Redis's transport is flat, and so are the stream lengths; the
 *   rest of used_memory — the modules' keys and Redis's own cost for them —
 *   grows by a **constant cost per order** (the later half's bytes per order
 *   at most the earlier half's + 25 %);
 * - memory: the live heap holds the stores, so it grows by a constant cost
 *   per order; RSS troughs less the heap's growth are flat;
 * - both: the p99 is flat (per-minute quietest 10 s), every order settled,
 *   the SPEC invariants hold.
 *
 * What that proves, and what not. The split shape runs the HTTP, saga, bus
 * and idempotency code the memory shape runs, with the data out of its
 * processes: their flat heaps show that the code keeps nothing per order or
 * per minute, to ≈ 220 B per order over the default run (2 MiB over ≈ 9,600
 * orders). The memory shape adds the memory stores and bus, whose growth is
 * the data: a store that kept a constant extra per order would pass there
 * (the store conformance suites, which hold memory and Redis stores to the
 * same records, are its guard). A cache bounded by count that fills more
 * slowly than the warm-up looks like a leak until it is full: run longer.
 * `--leak BYTES` preloads bench/_soak_leak.ts into every server (it keeps
 * BYTES per JSON.parse for ever) and writes /tmp/soak-leak.svg: the rule must
 * say FAIL. Prints a table and writes `docs/soak.svg` and `docs/soak.json`.
 *
 * @module
 */
import { scriptFlags } from "../testing/script_flags.ts";
import { RedisKeys } from "../bus/redis/keys.ts";
import { type Customer, TERMINAL } from "../testing/shop.ts";
import { delay } from "../testing/wait.ts";
import { costPerOrder, type Keyspace, keyspace, MODULES } from "./_keyspace.ts";
import { procUsage } from "./_proc.ts";
import { type Chart, shapeCharts, soakSvg } from "./_soak_plot.ts";
import { memoryShape, redisShape, type Shape } from "./_soak_shapes.ts";
import { checkTable, type RedisSample, type Sample, soakChecks } from "./_soak_verdict.ts";

const SAMPLE_MS = 10_000;
/**
 * The live heap every third sample (30 s): a full collection stops a process
 * for 0.1–1 s on a busy 2-core machine, too much to do every 10 s.
 */
const HEAP_EVERY = 3;
const MIB = 2 ** 20;

/** Lifetimes cut to fit the run: history and idempotency keys level off within the warm-up. */
const ENV = {
  LOG_LEVEL: "warn",
  BUS_RETENTION: "2000",
  BUS_RETENTION_S: "60",
  IDEMPOTENCY_TTL_S: "60",
};

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function redisSample(shape: Shape): Promise<{ sample: RedisSample; keys: Keyspace } | null> {
  const redis = shape.redis;
  if (!redis) return null;
  const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1]);
  // The keyspace takes a moment to read while orders go on: used_memory is taken either side.
  const before = await used();
  const keys = await keyspace(redis);
  const usedMb = (before + await used()) / 2 / MIB;
  let streamLength = 0;
  // keyKind writes a namespace that looks like an id as `*`, braces and all.
  const prefix = new RedisKeys(shape.namespace).prefix;
  for (const kind of keys.kinds.filter((k) => /^bus:[^:]+:stream:/.test(k.kind))) {
    streamLength += await redis.xlen(kind.kind.replace(/^bus:[^:]+:/, prefix));
  }
  const modules = MODULES.reduce((sum, module) => sum + (keys.bytes[module] ?? 0), 0);
  const transport = (keys.bytes.bus ?? 0) + (keys.bytes.other ?? 0) + keys.serverBytes;
  return {
    sample: {
      usedMb,
      dataMb: modules / MIB,
      transportMb: transport / MIB,
      keys: keys.keys,
      streamLength,
    },
    keys,
  };
}

async function pendingOf(shape: Shape): Promise<number> {
  const reply = await shape.anyProcess("GET", "/admin/bus", { token: shape.shop.system.admin });
  if (reply.status !== 200) return NaN;
  return (reply.body.groups as { pending: number }[]).reduce((s, g) => s + g.pending, 0);
}

async function soak(shape: Shape, minutes: number, rate: number, warmupMin: number) {
  const { shop } = shape;
  const products = await Promise.all([900, 250, 4_999].map((p) => shop.product(1_000_000, p)));
  const rich: Customer[] = await Promise.all([0, 1, 2, 3].map(() => shop.customer(1e12)));
  const broke = await shop.customer(1, "Broke");
  const samples: Sample[] = [];
  const answered: { sent: number; done: number }[] = [];
  /** When the soak's forced collections paused the processes: [start, end]. */
  const pauses: [number, number][] = [];
  const open = new Set<string>();
  let placed = 0, settled = 0, failed = 0;
  let keysAtWarmup: Keyspace | null = null, settledAtWarmup = 0, lastKeys: Keyspace | null = null;
  const started = performance.now();
  const endAt = started + minutes * 60_000;

  const placeOne = async (i: number) => {
    const customer = i % 20 === 7 ? broke : rich[i % rich.length]!;
    const items = [{ product_id: products[i % 3]!, quantity: 1 + (i % 2) }];
    const sent = performance.now();
    const key = `soak-${i}-${crypto.randomUUID()}`;
    const reply = await shop.place(customer, items, {
      "idempotency-key": key,
      prefer: "wait=10",
    }).catch(() => null);
    if (!reply || reply.status >= 300 && reply.status !== 202) {
      failed++;
      return;
    }
    placed++;
    const id = reply.body.id as string;
    if (i % 25 === 11) {
      await shop.system.call("POST", `/orders/${id}/cancel`, { token: customer.token });
    }
    if (TERMINAL.includes(reply.body.status)) {
      answered.push({ sent, done: performance.now() });
      settled++;
    } else {
      open.add(id);
    }
  };

  const sampler = (async () => {
    let next = started + SAMPLE_MS;
    while (performance.now() < endAt + 1) {
      await delay(Math.max(0, next - performance.now()));
      next += SAMPLE_MS;
      const interval = answered.splice(0);
      const unpaused = interval.filter(({ sent, done }) =>
        !pauses.some(([start, end]) => sent < end && done > start)
      );
      const p99Ms = percentile(unpaused.map(({ sent, done }) => done - sent), 99);
      const rss = await Promise.all(shape.processes.map((p) => procUsage(p.pid)));
      const pauseStart = performance.now();
      const heaps = samples.length % HEAP_EVERY === HEAP_EVERY - 1
        ? await Promise.all(shape.processes.map((p) => p.inspector.heapAfterGc()))
        : null;
      const pauseMs = performance.now() - pauseStart;
      if (heaps) pauses.push([pauseStart, performance.now()]);
      const redis = await redisSample(shape);
      const minute = (performance.now() - started) / 60_000;
      if (redis && minute > warmupMin && !keysAtWarmup) {
        [keysAtWarmup, settledAtWarmup] = [redis.keys, settled];
      }
      lastKeys = redis?.keys ?? lastKeys;
      const sample: Sample = {
        minute,
        placed,
        settled,
        pending: await pendingOf(shape),
        p99Ms,
        paused: interval.length - unpaused.length,
        processes: Object.fromEntries(shape.processes.map((p, i) => [p.name, {
          rssMb: rss[i]!.rssMb,
          heapMb: heaps?.[i]?.usedMb ?? null,
        }])),
        redis: redis?.sample ?? null,
      };
      samples.push(sample);
      console.log(
        `  ${minute.toFixed(1)} min: ${placed} placed, ${settled} settled, p99 ${
          p99Ms?.toFixed(0)
        } ms (${sample.paused} paused), pending ${sample.pending}, RSS ${
          rss.map((r) => r.rssMb.toFixed(0)).join("/")
        } MiB${
          heaps
            ? `, heap ${heaps.map((h) => h.usedMb.toFixed(1)).join("/")} MiB (GC ${
              pauseMs.toFixed(0)
            } ms)`
            : ""
        }${
          redis
            ? `, redis ${redis.sample.usedMb.toFixed(1)} MiB (data ${
              redis.sample.dataMb.toFixed(1)
            }, transport ${
              redis.sample.transportMb.toFixed(1)
            }), streams ${redis.sample.streamLength}`
            : ""
        }`,
      );
      if (performance.now() >= endAt) break;
    }
  })();

  const inFlight = new Set<Promise<void>>();
  for (let i = 0; performance.now() < endAt; i++) {
    const due = started + (i * 1_000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await delay(wait);
    const p = placeOne(i).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  await sampler;
  // Orders that took longer than the wait: settled later, counted as settled now.
  const settleStarted = performance.now();
  while (open.size > 0 && performance.now() - settleStarted < 60_000) {
    for (const id of [...open]) {
      const reply = await shop.system.call("GET", `/orders/${id}`, { token: shop.system.admin });
      if (TERMINAL.includes(reply.body?.status)) {
        open.delete(id);
        settled++;
      }
    }
    if (open.size > 0) await delay(500);
  }
  // Notifications and compensations land after the answer: the invariants get a minute.
  let problems = await shop.invariantProblems({ notifications: true });
  for (
    const until = performance.now() + 60_000;
    problems.length > 0 && performance.now() < until;
  ) {
    await delay(2_000);
    problems = await shop.invariantProblems({ notifications: true });
  }
  const window = (samples.at(-1)?.settled ?? 0) - settledAtWarmup;
  const keys = keysAtWarmup && lastKeys && window > 0
    ? costPerOrder(keysAtWarmup, lastKeys, window)
    : null;
  return { samples, placed, settled, failed, unsettled: open.size, problems, keys };
}

if (import.meta.main) {
  const flags = scriptFlags(Deno.args, {
    minutes: "10",
    rate: "20",
    shape: "all",
    leak: "0",
    svg: undefined,
  });
  const minutes = Number(flags.minutes);
  const rate = Number(flags.rate);
  const leakBytes = Number(flags.leak);
  if (
    !(minutes > 0) || !(rate > 0) || !(leakBytes >= 0) ||
    !["all", "memory", "redis"].includes(flags.shape)
  ) {
    console.error(
      "usage: deno task soak [--minutes 10] [--rate 20] [--shape all|memory|redis] [--leak BYTES] [--svg FILE]",
    );
    Deno.exit(2);
  }
  const svg = flags.svg ?? (leakBytes > 0 ? "/tmp/soak-leak.svg" : "docs/soak.svg");
  const warmupMin = Math.min(2, minutes / 3);
  const shapes = flags.shape === "all" ? ["memory", "redis"] : [flags.shape];
  const charts: Chart[] = [];
  const report: Record<string, unknown> = {};
  let pass = true;
  for (const which of shapes) {
    const options = { env: ENV, leakBytes };
    const shape = which === "memory" ? await memoryShape(options) : await redisShape(options);
    console.log(
      `${shape.name}: ${rate} orders/s for ${minutes} min (warm-up ${warmupMin.toFixed(1)} min)${
        leakBytes > 0 ? `, leaking ${leakBytes} B per JSON.parse on purpose` : ""
      }`,
    );
    try {
      const result = await soak(shape, minutes, rate, warmupMin);
      const checks = soakChecks(result.samples, warmupMin, shape.holdsData);
      const ok = checks.every((c) => c.pass) && result.unsettled === 0 &&
        result.problems.length === 0;
      pass &&= ok;
      console.log(checkTable(shape.name, checks));
      for (const k of result.keys?.filter((k) => k.owner !== "bus").slice(0, 12) ?? []) {
        console.log(
          `  ${k.kind}: ${k.keys} keys, ${
            (k.bytes / MIB).toFixed(1)
          } MiB; per order after warm-up: ${k.keysPerOrder.toFixed(2)} keys, ${
            k.bytesPerOrder.toFixed(0)
          } B`,
        );
      }
      const last = result.samples.at(-1);
      console.log(
        `\n${result.placed} orders placed (${result.failed} refused or failed), ${result.settled} settled, ` +
          `${result.unsettled} not settled; last sample: pending ${last?.pending}, streams ${
            last?.redis?.streamLength ?? "n/a"
          }; ${result.samples.reduce((n, s) => n + s.paused, 0)} answers left out of the p99 ` +
          `(paused by a forced collection); invariants: ${
            result.problems.length === 0 ? "hold" : result.problems.slice(0, 5).join("; ")
          } → ${ok ? "PASS" : "FAIL"}\n`,
      );
      report[which] = { name: shape.name, ...result, checks, pass: ok };
      charts.push(...shapeCharts(shape.name, result.samples, warmupMin));
    } finally {
      await shape.stop();
    }
  }
  const caption = `deno task soak --minutes ${minutes} --rate ${rate}${
    leakBytes > 0 ? ` --leak ${leakBytes}` : ""
  }, ${new Date().toISOString().slice(0, 10)}, shared 2-core machine; dashed line: end of warm-up`;
  await Deno.writeTextFile(svg, soakSvg(charts, caption));
  await Deno.writeTextFile(
    svg.replace(/\.svg$/, ".json"),
    JSON.stringify({ minutes, rate, leakBytes, env: ENV, report }, null, 1),
  );
  console.log(`wrote ${svg} → ${pass ? "PASS" : "FAIL"}`);
  Deno.exit(pass ? 0 : 1);
}
