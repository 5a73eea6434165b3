/**
 * What an order costs Redis, for bench/orders.ts: commands (INFO commandstats,
 * scripts' inner calls included, by command), round trips (the client's
 * count of socket writes, `redis_round_trips_total` in every process's
 * `/metrics`), and bytes left per settled order (used_memory, bus streams
 * excluded; by key kind for the breakdown), and the servers' CPU. On a Redis
 * Cluster each reading is taken on every master and summed (or, for CPU,
 * kept per master).
 *
 * @module
 */
import type { Redis } from "ioredis";
import { scrapeMetrics } from "../testing/metrics.ts";

/** The servers that hold a shape's keys: one, or every master of a cluster. */
export type Servers = readonly Redis[];

/** Calls per command name (`evalsha`, `xadd`, …) since the servers started, summed. */
export type CommandCounts = Map<string, number>;

export async function commandCounts(servers: Servers): Promise<CommandCounts> {
  const counts: CommandCounts = new Map();
  for (const info of await Promise.all(servers.map((redis) => redis.info("commandstats")))) {
    for (const [, name, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      counts.set(name!, (counts.get(name!) ?? 0) + Number(calls));
    }
  }
  return counts;
}

/** CPU seconds (system and user, main thread and the rest) each server has used so far. */
export async function cpuSeconds(servers: Servers): Promise<number[]> {
  return await Promise.all(servers.map(async (redis) => {
    const info = await redis.info("cpu");
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1]);
    return field("used_cpu_sys") + field("used_cpu_user");
  }));
}

/** What was called between two readings, per command, largest first. */
export function commandsBetween(before: CommandCounts, after: CommandCounts): [string, number][] {
  return [...after].map(([name, calls]): [string, number] => [
    name,
    calls - (before.get(name) ?? 0),
  ])
    .filter(([, calls]) => calls > 0)
    .sort((a, b) => b[1] - a[1]);
}

export const totalOf = (counts: readonly [string, number][]) =>
  counts.reduce((sum, [, calls]) => sum + calls, 0);

/** Every process's round trips so far, by role (`store`, `bus`, `reader`). */
export async function roundTripsOf(urls: readonly string[]): Promise<Map<string, number>> {
  const byRole = new Map<string, number>();
  for (const url of urls) {
    for (const sample of await scrapeMetrics(url)) {
      if (sample.name !== "redis_round_trips_total") continue;
      const role = sample.labels.role ?? "?";
      byRole.set(role, (byRole.get(role) ?? 0) + sample.value);
    }
  }
  return byRole;
}

export function tripsBetween(
  before: Map<string, number>,
  after: Map<string, number>,
): Map<string, number> {
  return new Map([...after].map(([role, n]) => [role, n - (before.get(role) ?? 0)]));
}

export const sumTrips = (trips: Map<string, number>) =>
  [...trips.values()].reduce((a, b) => a + b, 0);

/** Commands and round trips while `work` ran. */
export interface Usage {
  commands: [string, number][];
  trips: Map<string, number>;
  ms: number;
}

/** What `work` cost, and what it returned. */
export async function usageOf<T>(
  redis: Servers,
  urls: readonly string[],
  work: () => Promise<T>,
): Promise<[Usage, T]> {
  const [commands, trips] = [await commandCounts(redis), await roundTripsOf(urls)];
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  const usage = {
    commands: commandsBetween(commands, await commandCounts(redis)),
    trips: tripsBetween(trips, await roundTripsOf(urls)),
    ms,
  };
  return [usage, result];
}

/** `busy` less what the same stretch of idling costs (`idle`, scaled to `busy`'s length). */
export function lessIdle(busy: Usage, idle: Usage): Usage {
  const scale = busy.ms / idle.ms;
  const idleCalls = new Map(idle.commands);
  return {
    commands: busy.commands.map(([name, calls]): [string, number] => [
      name,
      calls - (idleCalls.get(name) ?? 0) * scale,
    ]),
    trips: new Map(
      [...busy.trips].map(([role, n]) => [role, n - (idle.trips.get(role) ?? 0) * scale]),
    ),
    ms: busy.ms,
  };
}

export async function usedMemory(servers: Servers): Promise<number> {
  const infos = await Promise.all(servers.map((redis) => redis.info("memory")));
  return infos.reduce((sum, info) => sum + Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN), 0);
}

/**
 * MEMORY USAGE of every key matching `pattern` (on every server), summed by the
 * key's kind (ids replaced by `*`).
 */
export async function bytesByKind(servers: Servers, pattern: string): Promise<Map<string, number>> {
  const kinds = new Map<string, number>();
  for (const redis of servers) await addBytesByKind(redis, pattern, kinds);
  return kinds;
}

async function addBytesByKind(
  redis: Redis,
  pattern: string,
  kinds: Map<string, number>,
): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory("USAGE", key);
    const sizes = (await pipeline.exec()) ?? [];
    keys.forEach((key, i) => {
      const kind = kindOf(key);
      kinds.set(kind, (kinds.get(kind) ?? 0) + (Number(sizes[i]?.[1]) || 0));
    });
  } while (cursor !== "0");
}

/** `k_ab12:{orders}:order:ord_…` → `{orders}:order:*`: the prefix dropped, ids starred. */
function kindOf(key: string): string {
  const parts = key.split(":");
  // A module's part is its hash tag (`{orders}`).
  const module = parts.findIndex((p) =>
    ["orders", "inventory", "accounts", "messaging", "bus"].includes(p.replace(/^\{(.*)\}$/, "$1"))
  );
  return parts.slice(Math.max(0, module)).map((part, i) =>
    i > 0 && /[0-9]/.test(part) && part.length > 6 ? "*" : part
  ).join(":");
}
