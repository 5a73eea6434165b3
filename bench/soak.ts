/**
 * `deno task soak [--minutes 10] [--rate 20] [--shape all|memory|redis]`: a
 * week in ten minutes. A fixed order rate (open loop: one order every
 * 1000/rate ms whatever the answers) for the given time, on an all-in-one
 * memory process and on a split deployment on a private Redis (inventory,
 * accounts, two orders, messaging), sampling every 10 s: RSS of each process,
 * Redis `used_memory`, the bus streams' lengths (XLEN), pending per group
 * (`GET /admin/bus`) and the interval's p99 placement→terminal latency (each
 * order is placed with `Prefer: wait=10`, so its answer comes when it is
 * terminal). Each order also sets an Idempotency-Key, and the mix holds
 * orders that are rejected (no money) and cancelled.
 *
 * Passes when, after the warm-up (the first third, at most 2 minutes), every
 * memory series and the p99 are flat — the least-squares slope times the
 * measured window stays within 10 % of the series' mean or an absolute floor
 * (RSS and used_memory 12 MiB, p99 25 ms), the noise of a shared 2-core
 * machine — and every order settled with the SPEC invariants holding. Prints
 * a table and writes `docs/soak.svg` (and `docs/soak.json`).
 *
 * @module
 */
import { RedisBroker } from "../testing/brokers.ts";
import { Fleet } from "../testing/fleet.ts";
import { type Call, remoteCaller } from "../testing/http_client.ts";
import { connectRedis } from "../testing/redis.ts";
import { scriptFlags } from "../testing/script_flags.ts";
import { type Customer, Shop, TERMINAL } from "../testing/shop.ts";
import { BazaarServer } from "../testing/spawn.ts";
import { delay } from "../testing/wait.ts";
import { procUsage } from "./_proc.ts";
import { type Chart, soakSvg } from "./_soak_plot.ts";

const SAMPLE_MS = 10_000;

interface Sample {
  minute: number;
  rssMb: Record<string, number>;
  redisMb: number | null;
  streamLength: number | null;
  pending: number;
  placed: number;
  settled: number;
  p99Ms: number | null;
}

interface Shape {
  name: string;
  shop: Shop;
  /** Any one process, for `GET /admin/bus` (every process serves it). */
  anyProcess: Call;
  processes: { name: string; pid: number }[];
  redisUrl: string | null;
  namespace: string;
  stop(): Promise<void>;
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

interface Verdict {
  series: string;
  mean: number;
  /** Slope × window: how much the series drifted over the measured window. */
  drift: number;
  allowed: number;
  flat: boolean;
}

function flatness(label: string, points: [number, number][], floor: number): Verdict {
  const mean = points.reduce((s, [, y]) => s + y, 0) / Math.max(1, points.length);
  const window = points.length > 1 ? points.at(-1)![0] - points[0]![0] : 0;
  const drift = slope(points) * window;
  const allowed = Math.max(0.1 * mean, floor);
  return { series: label, mean, drift, allowed, flat: Math.abs(drift) <= allowed };
}

/** Streams trimmed to a bound the run reaches, so their lengths must level off. */
const RETENTION = { LOG_LEVEL: "warn", BUS_RETENTION: "2000", BUS_RETENTION_S: "60" };

async function memoryShape(): Promise<Shape> {
  const admin = `admin-${crypto.randomUUID()}`;
  const server = await BazaarServer.start(
    ["--modules", "all", "--bus", "memory", "--store", "memory"],
    { ...RETENTION, ADMIN_TOKEN: admin, AUTH_SECRET: `secret-${crypto.randomUUID()}` },
  );
  return {
    name: "all-in-one, memory",
    shop: new Shop({ call: remoteCaller(server.url), admin }),
    anyProcess: remoteCaller(server.url),
    processes: [{ name: "all", pid: server.child.pid }],
    redisUrl: null,
    namespace: "",
    stop: async () => void await server.kill("SIGTERM"),
  };
}

async function redisShape(): Promise<Shape> {
  const redis = await RedisBroker.open();
  const processes = [["inventory"], ["accounts"], ["orders"], ["orders"], ["messaging"]] as const;
  const fleet = await Fleet.start({
    bus: "redis",
    redisUrl: redis.url,
    processes,
    env: RETENTION,
  }).catch(async (error) => {
    await redis.close();
    throw error;
  });
  let orders = 0;
  return {
    name: "split, Redis",
    shop: new Shop(fleet),
    anyProcess: remoteCaller(fleet.members[0]!.server.url),
    processes: fleet.members.map((m) => ({
      name: m.modules[0] === "orders" ? `orders-${++orders}` : m.modules[0]!,
      pid: m.server.child.pid,
    })),
    redisUrl: redis.url,
    namespace: fleet.namespace,
    stop: async () => {
      await fleet.stop();
      await redis.close();
    },
  };
}

async function redisFigures(url: string, namespace: string) {
  const redis = await connectRedis(url);
  try {
    const info = await redis.info("memory");
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
    let length = 0;
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `bus:${namespace}:*`, "COUNT", 500);
      cursor = next;
      for (const key of keys) {
        if ((await redis.type(key)) === "stream") length += await redis.xlen(key);
      }
    } while (cursor !== "0");
    return { usedMb: used / 2 ** 20, streamLength: length };
  } finally {
    await redis.quit();
  }
}

async function pendingOf(shape: Shape): Promise<number> {
  const reply = await shape.anyProcess("GET", "/admin/bus", { token: shape.shop.system.admin });
  if (reply.status !== 200) return NaN;
  return (reply.body.groups as { pending: number }[]).reduce((s, g) => s + g.pending, 0);
}

async function soak(shape: Shape, minutes: number, rate: number) {
  const { shop } = shape;
  const products = await Promise.all([900, 250, 4_999].map((p) => shop.product(1_000_000, p)));
  const rich: Customer[] = await Promise.all([0, 1, 2, 3].map(() => shop.customer(1e12)));
  const broke = await shop.customer(1, "Broke");
  const samples: Sample[] = [];
  const latencies: number[] = [];
  const open = new Set<string>();
  let placed = 0, settled = 0, failed = 0;
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
      latencies.push(performance.now() - sent);
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
      const rssMb: Record<string, number> = {};
      for (const p of shape.processes) rssMb[p.name] = (await procUsage(p.pid)).rssMb;
      const redis = shape.redisUrl ? await redisFigures(shape.redisUrl, shape.namespace) : null;
      const interval = latencies.splice(0);
      const sample: Sample = {
        minute: (performance.now() - started) / 60_000,
        rssMb,
        redisMb: redis?.usedMb ?? null,
        streamLength: redis?.streamLength ?? null,
        pending: await pendingOf(shape),
        placed,
        settled,
        p99Ms: percentile(interval, 99),
      };
      samples.push(sample);
      console.log(
        `  ${sample.minute.toFixed(1)} min: ${placed} placed, ${settled} settled, p99 ${
          sample.p99Ms?.toFixed(0)
        } ms, pending ${sample.pending}, RSS ${
          Object.values(rssMb).map((v) => v.toFixed(0)).join("/")
        } MiB${
          redis ? `, redis ${redis.usedMb.toFixed(1)} MiB, streams ${redis.streamLength}` : ""
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
  const problems = await shop.invariantProblems({ notifications: true });
  return { samples, placed, settled, failed, unsettled: open.size, problems };
}

function verdicts(samples: Sample[], warmupMin: number): Verdict[] {
  const after = samples.filter((s) => s.minute > warmupMin);
  const out: Verdict[] = [];
  for (const name of Object.keys(after[0]?.rssMb ?? {})) {
    out.push(flatness(`RSS ${name} (MiB)`, after.map((s) => [s.minute, s.rssMb[name]!]), 12));
  }
  if (after[0]?.redisMb !== null && after[0]?.redisMb !== undefined) {
    out.push(flatness("Redis used_memory (MiB)", after.map((s) => [s.minute, s.redisMb!]), 12));
  }
  const p99 = after.filter((s) => s.p99Ms !== null).map((s): [number, number] => [
    s.minute,
    s.p99Ms!,
  ]);
  out.push(flatness("p99 placement→terminal (ms)", p99, 25));
  return out;
}

if (import.meta.main) {
  const flags = scriptFlags(Deno.args, {
    minutes: "10",
    rate: "20",
    shape: "all",
    svg: "docs/soak.svg",
  });
  const minutes = Number(flags.minutes);
  const rate = Number(flags.rate);
  if (!(minutes > 0) || !(rate > 0) || !["all", "memory", "redis"].includes(flags.shape)) {
    console.error("usage: deno task soak [--minutes 10] [--rate 20] [--shape all|memory|redis]");
    Deno.exit(2);
  }
  const warmupMin = Math.min(2, minutes / 3);
  const shapes = flags.shape === "all" ? ["memory", "redis"] : [flags.shape];
  const charts: Chart[] = [];
  const report: Record<string, unknown> = {};
  let pass = true;
  for (const which of shapes) {
    const shape = which === "memory" ? await memoryShape() : await redisShape();
    console.log(
      `${shape.name}: ${rate} orders/s for ${minutes} min (warm-up ${warmupMin.toFixed(1)} min)`,
    );
    try {
      const result = await soak(shape, minutes, rate);
      const checks = verdicts(result.samples, warmupMin);
      const ok = checks.every((c) => c.flat) && result.unsettled === 0 &&
        result.problems.length === 0;
      pass &&= ok;
      console.log(`\n| ${shape.name} | mean | drift over window | allowed | flat |`);
      console.log("| --- | ---: | ---: | ---: | --- |");
      for (const c of checks) {
        console.log(
          `| ${c.series} | ${c.mean.toFixed(1)} | ${c.drift >= 0 ? "+" : ""}${
            c.drift.toFixed(1)
          } | ±${c.allowed.toFixed(1)} | ${c.flat ? "yes" : "NO"} |`,
        );
      }
      const last = result.samples.at(-1);
      console.log(
        `\n${result.placed} orders placed (${result.failed} refused or failed), ${result.settled} settled, ` +
          `${result.unsettled} not settled; last sample: pending ${last?.pending}, streams ${
            last?.streamLength ?? "n/a"
          }; invariants: ${
            result.problems.length === 0 ? "hold" : result.problems.slice(0, 5).join("; ")
          } → ${ok ? "PASS" : "FAIL"}\n`,
      );
      report[which] = { ...result, checks, pass: ok };
      const memory: Chart = {
        title: `${shape.name}: memory`,
        unit: "MiB",
        warmupMin,
        series: [
          ...Object.keys(result.samples[0]?.rssMb ?? {}).map((name) => ({
            label: `RSS ${name}`,
            points: result.samples.map((s): [number, number] => [s.minute, s.rssMb[name]!]),
          })),
          ...(shape.redisUrl
            ? [{
              label: "Redis used_memory",
              points: result.samples.map((s): [number, number] => [s.minute, s.redisMb!]),
            }]
            : []),
        ],
      };
      const latency: Chart = {
        title: `${shape.name}: p99 placement→terminal per 10 s`,
        unit: "ms",
        warmupMin,
        series: [{
          label: "p99",
          points: result.samples.filter((s) => s.p99Ms !== null).map((
            s,
          ): [number, number] => [s.minute, s.p99Ms!]),
        }],
      };
      charts.push(memory, latency);
    } finally {
      await shape.stop();
    }
  }
  const caption = `deno task soak --minutes ${minutes} --rate ${rate}, ${
    new Date().toISOString().slice(0, 10)
  }, shared 2-core machine; dashed line: end of warm-up`;
  await Deno.writeTextFile(flags.svg, soakSvg(charts, caption));
  await Deno.writeTextFile(
    flags.svg.replace(/\.svg$/, ".json"),
    JSON.stringify({ minutes, rate, report }, null, 1),
  );
  console.log(`wrote ${flags.svg} → ${pass ? "PASS" : "FAIL"}`);
  Deno.exit(pass ? 0 : 1);
}
