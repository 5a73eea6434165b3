/**
 * What an order costs Redis, for bench/orders.ts: commands (INFO commandstats,
 * scripts' inner calls included, by command), round trips (the client's
 * count of socket writes, `redis_round_trips_total` in every process's
 * `/metrics`), and bytes left per settled order (used_memory, bus streams
 * excluded; by key kind for the breakdown).
 *
 * @module
 */
import type { Redis } from "ioredis";
import { scrapeMetrics } from "../testing/metrics.ts";

/** Calls per command name (`evalsha`, `xadd`, …) since the server started. */
export type CommandCounts = Map<string, number>;

export async function commandCounts(redis: Redis): Promise<CommandCounts> {
  const counts: CommandCounts = new Map();
  const info = await redis.info("commandstats");
  for (const [, name, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    counts.set(name!, Number(calls));
  }
  return counts;
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
  redis: Redis,
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

export async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1] ?? NaN);
}

/** MEMORY USAGE of every key matching `pattern`, summed by the key's kind (ids replaced by `*`). */
export async function bytesByKind(redis: Redis, pattern: string): Promise<Map<string, number>> {
  const kinds = new Map<string, number>();
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
  return kinds;
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
