/**
 * Orders as a user sees them, per deployment shape, next to the ceiling
 * measured in the same run: `deno task bench:orders [shape…] [--seconds N]`.
 *
 * Shapes: `memory` (all modules, one process, embedded bus and stores),
 * `redis` (all modules, one process, Redis Streams and Redis stores),
 * `split-redis` and `split-nats` (inventory, accounts, orders and messaging
 * in four processes behind the nginx gateway, Redis stores), and
 * `split-cluster-1`, `-2`, `-3` (the same four, bus and stores on a private
 * Redis Cluster of that many masters, no replicas) and `split-cluster-3-wait1`
 * (three masters with a replica each, REDIS_WAIT_REPLICAS=1: what durability
 * costs); asked for by name, not in the default list. The ceiling is
 * a bare Hono handler that parses the same body (bench/bare_server.ts),
 * loaded by the same wrk; for the Redis rows also `redis-benchmark`.
 *
 * Per shape: closed loop (wrk, 64 connections, `Prefer: wait=10`, one order
 * per request answered once terminal) for max orders/s and latency; open loop
 * at half that rate, latency measured from each request's intended send time
 * (so queueing is not hidden); CPU seconds and RSS per process; Redis
 * commands per order (INFO commandstats, scripts' inner calls included),
 * Redis CPU seconds per server over the closed loop (each master of a
 * cluster), and Redis bytes per order left once the run settled, bus streams
 * excluded. On a cluster every reading is taken on every master.
 *
 * Needs wrk (and nginx for the split shapes); REDIS_URL and NATS_URL as for
 * the tests.
 *
 * @module
 */
import type { Redis } from "ioredis";
import { RedisKeys } from "../bus/redis/keys.ts";
import { delay } from "../lib/async/delay.ts";
import { type Cluster, type MemberSpec, startCluster } from "../testing/cluster.ts";
import { remoteCaller } from "../testing/http_client.ts";
import { connectRedisClient, mastersOf } from "../testing/redis.ts";
import { RedisCluster } from "../testing/redis_cluster.ts";
import { BazaarServer, freePort, ROOT } from "../testing/spawn.ts";
import { uniqueName } from "../testing/services.ts";
import { waitFor } from "../testing/wait.ts";
import { seedOrderHistory } from "./_history.ts";
import { procUsage } from "./_proc.ts";
import { openLoop, type OpenLoopResult } from "./_open_loop.ts";
import { orderScript, runWrk, type WrkResult } from "./_wrk.ts";
import {
  bytesByKind,
  cpuSeconds,
  lessIdle,
  type Servers,
  sumTrips,
  totalOf,
  type Usage,
  usageOf,
  usedMemory,
} from "./_redis_usage.ts";
import { NATS_URL, REDIS_URL } from "./_urls.ts";

/** What runs with no shape named: each cluster row adds a cluster start and a minute or so. */
const DEFAULT_SHAPES = ["memory", "redis", "split-redis", "split-nats"] as const;
const CLUSTER_SHAPES = [
  "split-cluster-1",
  "split-cluster-2",
  "split-cluster-3",
  "split-cluster-3-wait1",
] as const;
const SHAPES = [...DEFAULT_SHAPES, ...CLUSTER_SHAPES] as const;
type Shape = typeof SHAPES[number];

/**
 * The Redis Cluster a `split-cluster-<n>[-wait1]` shape runs on: n masters, and with
 * `-wait1` a replica each that every write waits for; null for another shape.
 */
function clusterOf(shape: Shape): { masters: number; waitReplicas: 0 | 1 } | null {
  const match = /^split-cluster-(\d)(-wait1)?$/.exec(shape);
  return match ? { masters: Number(match[1]), waitReplicas: match[2] ? 1 : 0 } : null;
}

const CONNECTIONS = 64;
/** The pause between the closed loop's end (all settled) and the open loop. */
const SETTLE_MS = 2_000;
const PRODUCTS = 50;
const CUSTOMERS = 64;

const FOUR: readonly MemberSpec[] = [
  { name: "inventory", modules: ["inventory"] },
  { name: "accounts", modules: ["accounts"] },
  { name: "orders", modules: ["orders"] },
  { name: "messaging", modules: ["messaging"] },
  // The gateway routes the pages to it; it takes no part in an order.
  { name: "web", modules: ["web"] },
];

interface Target {
  url: string;
  admin: string;
  pids: { name: string; pid: number }[];
  /** Each process itself (its /metrics), past the gateway. */
  processUrls: string[];
  /** Redis the shape uses (one server or a cluster's nodes), and the key patterns of its bus streams. */
  redis: { url: string; streams: string; keyPrefix: string } | null;
  stop(): Promise<void>;
}

interface Row {
  shape: string;
  closed: WrkResult;
  ceiling: WrkResult;
  open: OpenLoopResult | null;
  cpu: string;
  rss: string;
  /** Under the closed loop: INFO commandstats, and the clients' socket writes. */
  closedUsage: PerOrder | null;
  /** Orders placed one at a time, idle traffic subtracted. */
  sequentialUsage: PerOrder | null;
  bytesPerOrder: number | null;
  /** Bytes per settled order by key kind (`{orders}:order:*`, …), largest first. */
  bytesByKind: [string, number][];
  /** CPU seconds each Redis server (each master of a cluster) used in the closed loop. */
  redisCpu: number[] | null;
  redisCeiling: number | null;
}

/** Commands and round trips divided by the orders that made them. */
interface PerOrder {
  commands: number;
  trips: number;
  byCommand: [string, number][];
  byRole: [string, number][];
}

function perOrder(usage: Usage, orders: number): PerOrder {
  return {
    commands: totalOf(usage.commands) / orders,
    trips: sumTrips(usage.trips) / orders,
    byCommand: usage.commands.map(([name, n]): [string, number] => [name, n / orders])
      .sort((a, b) => b[1] - a[1]),
    byRole: [...usage.trips].map(([role, n]): [string, number] => [role, n / orders]),
  };
}

const ENV = { LOG_LEVEL: "warn", MAX_INFLIGHT_ORDERS: "100000", BUS_ACK_DEADLINE_MS: "10000" };

async function start(shape: Shape): Promise<Target> {
  const admin = `bench-${crypto.randomUUID()}`;
  if (shape === "memory" || shape === "redis") {
    const namespace = uniqueName("bench");
    const args = shape === "memory" ? ["--modules", "all", "--bus", "memory"] : [
      "--modules",
      "all",
      "--bus",
      "redis",
      "--store",
      "redis",
      "--redis-url",
      REDIS_URL,
      "--namespace",
      namespace,
    ];
    const server = await BazaarServer.start(args, {
      ...ENV,
      ADMIN_TOKEN: admin,
      KEY_PREFIX: `${namespace}:`,
    });
    return {
      url: server.url,
      admin,
      pids: [{ name: "all", pid: server.child.pid }],
      processUrls: [server.url],
      redis: shape === "redis"
        ? {
          url: REDIS_URL,
          streams: `${new RedisKeys(namespace).prefix}*`,
          keyPrefix: `${namespace}:`,
        }
        : null,
      stop: async () => {
        await server.kill("SIGTERM");
      },
    };
  }
  Deno.env.set("REDIS_URL", REDIS_URL);
  Deno.env.set("NATS_URL", NATS_URL);
  const clustered = clusterOf(shape);
  const redisCluster = clustered
    ? await RedisCluster.open({ masters: clustered.masters, replicas: clustered.waitReplicas })
    : null;
  let cluster: Cluster;
  try {
    cluster = await startCluster({
      bus: shape === "split-nats" ? "nats" : "redis",
      members: FOUR,
      env: clustered?.waitReplicas ? { ...ENV, REDIS_WAIT_REPLICAS: "1" } : ENV,
      redisUrl: redisCluster?.url,
    });
  } catch (error) {
    await redisCluster?.close();
    throw error;
  }
  return {
    url: cluster.gateway.url,
    admin: cluster.admin,
    pids: cluster.members.map((m) => ({ name: m.name, pid: m.server.child.pid })),
    processUrls: cluster.members.map((m) => m.url),
    redis: {
      url: cluster.redisUrl,
      streams: `${new RedisKeys(cluster.namespace).prefix}*`,
      keyPrefix: cluster.keyPrefix,
    },
    stop: async () => {
      try {
        await cluster.stop();
      } finally {
        await redisCluster?.close();
      }
    },
  };
}

async function seed(target: Target): Promise<{ customers: string[]; products: string[] }> {
  const call = remoteCaller(target.url);
  const token = target.admin;
  const products = await Promise.all(Array.from({ length: PRODUCTS }, async (_, i) => {
    const reply = await call("POST", "/inventory/products", {
      token,
      body: { name: `Bench item ${i}`, price: 100 + i, stock: 1_000_000_000, tags: ["bench"] },
    });
    if (reply.status !== 201) throw new Error(`seeding a product: ${JSON.stringify(reply.body)}`);
    return reply.body.id as string;
  }));
  const customers = await Promise.all(Array.from({ length: CUSTOMERS }, async (_, i) => {
    const reply = await call("POST", "/accounts/customers", {
      token,
      body: { name: `Bench ${i}`, email: `bench-${i}-${crypto.randomUUID()}@example.com` },
    });
    if (reply.status !== 201) throw new Error(`seeding a customer: ${JSON.stringify(reply.body)}`);
    const id = reply.body.id as string;
    const deposit = await call("POST", `/accounts/customers/${id}/deposits`, {
      token,
      body: { amount: 1_000_000_000_000 },
    });
    if (deposit.status !== 200) throw new Error(`deposit: ${JSON.stringify(deposit.body)}`);
    return id;
  }));
  return { customers, products };
}

/** SET/s of `redis-benchmark` on one server, or on the cluster whose node `server` is. */
async function redisBenchmark(server: Redis, cluster: boolean): Promise<number | null> {
  const { host, port } = server.options;
  try {
    const output = await new Deno.Command("redis-benchmark", {
      args: [
        ...(cluster ? ["--cluster"] : []),
        "-h",
        host ?? "127.0.0.1",
        "-p",
        String(port ?? 6379),
        "-q",
        "-n",
        "100000",
        "-c",
        "50",
        "-t",
        "set",
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    return Number(/SET: ([\d.]+) requests per second/.exec(text)?.[1] ?? NaN);
  } catch {
    return null;
  }
}

async function ceiling(script: string, seconds: number): Promise<WrkResult> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/bench/bare_server.ts`, String(port)],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => {
      try {
        const r = await fetch(`${url}/health`);
        await r.body?.cancel();
        return r.ok;
      } catch {
        return false;
      }
    }, { timeoutMs: 20_000, intervalMs: 100 });
    await runWrk(url, script, { connections: CONNECTIONS, seconds: 2 });
    return await runWrk(url, script, { connections: CONNECTIONS, seconds });
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

async function ordersSettled(target: Target, expected: number): Promise<number> {
  const call = remoteCaller(target.url);
  let total = 0;
  await waitFor(async () => {
    const stats = await call("GET", "/orders/stats", { token: target.admin });
    if (stats.status !== 200) return true;
    const by = stats.body.by_status as Record<string, number>;
    total = stats.body.total;
    return (by.pending ?? 0) + (by.reserved ?? 0) + (by.paid ?? 0) === 0 && total >= expected;
  }, { timeoutMs: 120_000, intervalMs: 500 }).catch(() => {});
  return total;
}

async function bench(shape: Shape, seconds: number, history: number): Promise<Row> {
  const target = await start(shape);
  const client = target.redis ? await connectRedisClient(target.redis.url) : null;
  // Every reading on each server that holds keys: one, or each master of the cluster.
  const redis: Servers | null = client ? mastersOf(client) : null;
  try {
    const { customers, products } = await seed(target);
    if (history > 0) {
      const took = await seedOrderHistory(
        REDIS_URL,
        target.redis!.keyPrefix,
        history,
        customers,
        products,
      );
      console.error(
        `${shape}: ${history.toLocaleString("en-US")} orders of history in ${took.toFixed(0)} s`,
      );
    }
    const memoryBefore = redis ? await usedMemory(redis) : 0;
    const script = orderScript(customers, products, target.admin);
    await runWrk(target.url, script, { connections: CONNECTIONS, seconds: 3 });
    const before = await Promise.all(target.pids.map((p) => procUsage(p.pid)));
    const run = () => runWrk(target.url, script, { connections: CONNECTIONS, seconds });
    const cpuBefore = redis ? await cpuSeconds(redis) : null;
    const [closedUsage, closed] = redis
      ? await usageOf(redis, target.processUrls, run)
      : [null, await run()];
    const redisCpu = redis && cpuBefore
      ? (await cpuSeconds(redis)).map((cpu, i) => cpu - cpuBefore[i]!)
      : null;
    const after = await Promise.all(target.pids.map((p) => procUsage(p.pid)));
    const measuredOrders = closed.requestsPerS * seconds;
    const pick = () => {
      const c = customers[Math.floor(Math.random() * customers.length)];
      const p = products[Math.floor(Math.random() * products.length)];
      return JSON.stringify({ customer_id: c, items: [{ product_id: p, quantity: 1 }] });
    };
    // What the closed loop left in flight finishes first, and the process catches its breath
    // (collects what the run left): the open loop measures the rate, not the run before it.
    await ordersSettled(target, 0);
    await delay(SETTLE_MS);
    const open = closed.requestsPerS > 2
      ? await openLoop(
        target.url,
        {
          method: "POST",
          path: "/orders",
          headers: {
            "content-type": "application/json",
            prefer: "wait=10",
            authorization: `Bearer ${target.admin}`,
          },
          body: pick,
        },
        Math.floor(closed.requestsPerS / 2),
        seconds,
      )
      : null;
    await ordersSettled(target, 0);
    const sequentialUsage = redis
      ? await sequential(redis, target, () => placeAndWait(target, pick()))
      : null;
    const settled = await ordersSettled(target, 0);
    let bytesPerOrder: number | null = null;
    let kinds: [string, number][] = [];
    // What this run added: the history was there before memoryBefore was read.
    const added = settled - history;
    if (redis && added > 0) {
      const byKind = await bytesByKind(redis, `${target.redis!.keyPrefix}*`);
      const streams = await bytesByKind(redis, target.redis!.streams);
      const streamBytes = [...streams.values()].reduce((a, b) => a + b, 0);
      bytesPerOrder = (await usedMemory(redis) - memoryBefore - streamBytes) / added;
      kinds = [...byKind].map(([kind, bytes]): [string, number] => [kind, bytes / added])
        .sort((a, b) => b[1] - a[1]);
    }
    const ceil = await ceiling(script, seconds);
    return {
      shape: history > 0 ? `${shape}, ${history.toLocaleString("en-US")} orders stored` : shape,
      closed,
      ceiling: ceil,
      open,
      cpu: target.pids.map((p, i) => `${p.name} ${(after[i]!.cpuS - before[i]!.cpuS).toFixed(1)}`)
        .join(", "),
      rss: target.pids.map((p, i) => `${p.name} ${after[i]!.rssMb.toFixed(0)}`).join(", "),
      closedUsage: closedUsage ? perOrder(closedUsage, measuredOrders) : null,
      sequentialUsage,
      bytesPerOrder,
      bytesByKind: kinds,
      redisCpu,
      // redis-benchmark --cluster gives up on a one-master cluster: its lone master takes SETs.
      redisCeiling: redis ? await redisBenchmark(redis[0]!, redis.length > 1) : null,
    };
  } finally {
    client?.disconnect();
    await target.stop();
  }
}

/** How many orders the one-at-a-time probe places. */
const SEQUENTIAL_ORDERS = 100;

/** One order, answered once terminal. */
async function placeAndWait(target: Target, body: string): Promise<void> {
  const response = await fetch(`${target.url}/orders`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      prefer: "wait=10",
      authorization: `Bearer ${target.admin}`,
    },
    body,
  });
  await response.body?.cancel();
  if (response.status !== 200) throw new Error(`an order answered ${response.status}`);
}

/**
 * Orders one at a time (no batching to hide behind), less what the processes
 * spend idle (reads that time out, relays looking, sweeps) over as long.
 */
async function sequential(
  redis: Servers,
  target: Target,
  placeOne: () => Promise<void>,
): Promise<PerOrder> {
  const [busy] = await usageOf(redis, target.processUrls, async () => {
    for (let i = 0; i < SEQUENTIAL_ORDERS; i++) await placeOne();
  });
  const [idle] = await usageOf(
    redis,
    target.processUrls,
    () => delay(Math.max(busy.ms, 4_000)),
  );
  return perOrder(lessIdle(busy, idle), SEQUENTIAL_ORDERS);
}

function fmt(n: number | null | undefined, digits = 0): string {
  return n === null || n === undefined || Number.isNaN(n)
    ? "–"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function print(rows: Row[], seconds: number): void {
  console.log(
    `\nbench:orders — wrk -c${CONNECTIONS} ${seconds}s closed loop, Prefer: wait=10; ` +
      `open loop at half the closed rate (latency from the intended send time)\n`,
  );
  console.log(
    "| shape | orders/s | bare handler req/s | ratio | p50 / p90 / p99 / max ms (closed) " +
      "| open loop rate: p50 / p99 / max ms | CPU s per process | RSS MB " +
      "| Redis cmds/order | round trips/order | one at a time: cmds / round trips " +
      "| Redis CPU s (per master) | Redis B/order | redis-benchmark SET/s |",
  );
  console.log("|---|--:|--:|--:|---|---|---|---|--:|--:|--:|--:|--:|--:|");
  for (const r of rows) {
    const c = r.closed;
    const open = r.open
      ? `${fmt(r.open.rate)}/s: ${fmt(r.open.p50Ms, 1)} / ${fmt(r.open.p99Ms, 1)} / ${
        fmt(r.open.maxMs, 0)
      }${r.open.failed ? ` (${r.open.failed} not 200)` : ""}`
      : "–";
    console.log(
      `| ${r.shape} | ${fmt(c.requestsPerS)} | ${fmt(r.ceiling.requestsPerS)} | ${
        fmt(c.requestsPerS / r.ceiling.requestsPerS, 3)
      } | ${fmt(c.p50Ms, 1)} / ${fmt(c.p90Ms, 1)} / ${fmt(c.p99Ms, 1)} / ${fmt(c.maxMs, 0)}${
        c.non2xx ? ` (${c.non2xx} non-2xx)` : ""
      } | ${open} | ${r.cpu} | ${r.rss} | ${fmt(r.closedUsage?.commands, 1)} | ${
        fmt(r.closedUsage?.trips, 1)
      } | ${fmt(r.sequentialUsage?.commands, 1)} / ${fmt(r.sequentialUsage?.trips, 1)} | ${
        r.redisCpu ? `${r.redisCpu.map((s) => fmt(s, 1)).join(" / ")} s` : "–"
      } | ${fmt(r.bytesPerOrder)} | ${fmt(r.redisCeiling)} |`,
    );
  }
}

/** Per shape: commands and round trips per order by kind, and bytes per order by key kind. */
function printBreakdown(rows: Row[]): void {
  for (const r of rows) {
    if (!r.closedUsage) continue;
    const closed = r.closedUsage;
    const one = r.sequentialUsage;
    console.log(`\n${r.shape}: Redis commands per order (closed loop | one at a time)\n`);
    console.log("| command | closed | one at a time |");
    console.log("|---|--:|--:|");
    const names = new Set([...closed.byCommand, ...(one?.byCommand ?? [])].map(([n]) => n));
    const at = (list: [string, number][] | undefined, name: string) =>
      list?.find(([n]) => n === name)?.[1];
    for (const name of names) {
      console.log(
        `| ${name} | ${fmt(at(closed.byCommand, name), 2)} | ${fmt(at(one?.byCommand, name), 2)} |`,
      );
    }
    console.log(`\n${r.shape}: round trips per order by connection (closed | one at a time)\n`);
    console.log("| connection | closed | one at a time |");
    console.log("|---|--:|--:|");
    for (const [role, n] of closed.byRole) {
      console.log(`| ${role} | ${fmt(n, 2)} | ${fmt(at(one?.byRole, role), 2)} |`);
    }
    console.log(`\n${r.shape}: bytes per settled order by key kind (bus streams excluded)\n`);
    console.log("| key | bytes/order |");
    console.log("|---|--:|");
    for (const [kind, bytes] of r.bytesByKind) {
      if (bytes >= 1) console.log(`| ${kind} | ${fmt(bytes)} |`);
    }
  }
}

if (import.meta.main) {
  const args = [...Deno.args];
  let seconds = 10;
  let history = 0;
  const historyAt = args.indexOf("--history");
  if (historyAt >= 0) {
    history = Number(args[historyAt + 1]);
    args.splice(historyAt, 2);
  }
  const breakdownAt = args.indexOf("--breakdown");
  if (breakdownAt >= 0) args.splice(breakdownAt, 1);
  const at = args.indexOf("--seconds");
  if (at >= 0) {
    seconds = Number(args[at + 1]);
    args.splice(at, 2);
  }
  const unknown = args.filter((a) => !(SHAPES as readonly string[]).includes(a));
  const memoryWithHistory = history > 0 && args.includes("memory");
  // The history is written through one server's connection (bench/_history.ts).
  const clusterWithHistory = history > 0 &&
    args.some((a) => (CLUSTER_SHAPES as readonly string[]).includes(a));
  if (
    unknown.length > 0 || !(seconds > 0) || !(history >= 0) || memoryWithHistory ||
    clusterWithHistory
  ) {
    console.error(
      `Usage: deno task bench:orders [${SHAPES.join("|")} …] [--seconds N] [--history N] ` +
        "[--breakdown]\n" +
        "--breakdown prints Redis commands and round trips per order by kind, and bytes by key\n" +
        "--history N first writes N settled orders through the orders Redis store " +
        "(Redis shapes only: the memory shape's store lives inside its process; not the\n" +
        "split-cluster shapes); with no shape: " + DEFAULT_SHAPES.join(", "),
    );
    Deno.exit(2);
  }
  const shapes = (args.length > 0 ? args : DEFAULT_SHAPES) as Shape[];
  const rows: Row[] = [];
  for (const shape of shapes) {
    try {
      if (history > 0 && shape === "memory") continue;
      rows.push(await bench(shape, seconds, history));
    } catch (error) {
      console.error(`${shape}: ${(error as Error).message}`);
    }
  }
  print(rows, seconds);
  if (breakdownAt >= 0) printBreakdown(rows);
}
