/**
 * The two deployments the soak runs, each process under the V8 inspector (so
 * the soak can read its live heap): all-in-one on the memory bus and stores,
 * and split over five processes on a private Redis.
 *
 * @module
 */
import { Redis } from "ioredis";
import { RedisBroker } from "../testing/brokers.ts";
import { Fleet } from "../testing/fleet.ts";
import { type Call, remoteCaller } from "../testing/http_client.ts";
import { connectRedis } from "../testing/redis.ts";
import { Shop } from "../testing/shop.ts";
import { BazaarServer, freePort } from "../testing/spawn.ts";
import { Inspector } from "./_inspector.ts";

export interface SoakProcess {
  name: string;
  pid: number;
  inspector: Inspector;
}

export interface Shape {
  name: string;
  /** Its processes keep the stores in memory (their heap grows with the data). */
  holdsData: boolean;
  shop: Shop;
  /** Any one process, for `GET /admin/bus` (every process serves it). */
  anyProcess: Call;
  processes: SoakProcess[];
  /** The private Redis (split shape): nothing else writes to it. */
  redis: Redis | null;
  namespace: string;
  stop(): Promise<void>;
}

export interface ShapeOptions {
  env: Record<string, string>;
  /** Bytes kept for ever per JSON.parse in every process (`--leak`): 0 for none. */
  leakBytes: number;
}

const LEAK = new URL("./_soak_leak.ts", import.meta.url).pathname;

/** Per process: the inspector's port and its `deno run` flags. */
function denoFlags(options: ShapeOptions): { port: number; flags: string[] } {
  const port = freePort();
  const leak = options.leakBytes > 0 ? ["--preload", LEAK] : [];
  return { port, flags: [`--inspect=127.0.0.1:${port}`, ...leak] };
}

function environment(options: ShapeOptions): Record<string, string> {
  return { ...options.env, SOAK_LEAK_BYTES: String(options.leakBytes) };
}

export async function memoryShape(options: ShapeOptions): Promise<Shape> {
  const admin = `admin-${crypto.randomUUID()}`;
  const { port, flags } = denoFlags(options);
  const server = await BazaarServer.start(
    ["--modules", "all", "--bus", "memory", "--store", "memory"],
    { ...environment(options), ADMIN_TOKEN: admin, AUTH_SECRET: `secret-${crypto.randomUUID()}` },
    flags,
  );
  const inspector = await Inspector.open(port);
  return {
    name: "all-in-one, memory",
    holdsData: true,
    shop: new Shop({ call: remoteCaller(server.url), admin }),
    anyProcess: remoteCaller(server.url),
    processes: [{ name: "all", pid: server.child.pid, inspector }],
    redis: null,
    namespace: "",
    stop: async () => {
      inspector.close();
      await server.kill("SIGTERM");
    },
  };
}

export async function redisShape(options: ShapeOptions): Promise<Shape> {
  const broker = await RedisBroker.open();
  const processes = [["inventory"], ["accounts"], ["orders"], ["orders"], ["messaging"]] as const;
  const flags = processes.map(() => denoFlags(options));
  const fleet = await Fleet.start({
    bus: "redis",
    redisUrl: broker.url,
    processes,
    env: environment(options),
    denoFlags: (i) => flags[i]?.flags ?? [],
  }).catch(async (error) => {
    await broker.close();
    throw error;
  });
  const inspectors = await Promise.all(flags.map(({ port }) => Inspector.open(port)));
  const redis = await connectRedis(broker.url);
  let orders = 0;
  return {
    name: "split, Redis",
    holdsData: false,
    shop: new Shop(fleet),
    anyProcess: remoteCaller(fleet.members[0]!.server.url),
    processes: fleet.members.map((m, i) => ({
      name: m.modules[0] === "orders" ? `orders-${++orders}` : m.modules[0]!,
      pid: m.server.child.pid,
      inspector: inspectors[i]!,
    })),
    redis,
    namespace: fleet.namespace,
    stop: async () => {
      for (const inspector of inspectors) inspector.close();
      await redis.quit();
      await fleet.stop();
      await broker.close();
    },
  };
}
