/**
 * What a Redis holds, by owner: every key is read by SCAN and put in its kind
 * (ids replaced by `*`: `{orders}:order:*`), each kind under its owner — one of
 * the modules (`{<module>}:`: their keyspaces are the stored data), the bus (`bus:`), or
 * other. Bytes are MEMORY USAGE — of every key of a kind when there are few,
 * of a random sample scaled to the kind's count when there are many (a kind's
 * keys are records of one shape: a thousand are within a per cent or two of
 * the whole). Besides keys, Redis spends memory on its clients' buffers and
 * its scripts (MEMORY STATS), and on what MEMORY USAGE leaves out of each key:
 * the keyspace's own table and the allocator's rounding, 20–45 B a key by the
 * key's type (measured on redis 7.0: a 200-byte string 19 B, a small hash 43 B).
 *
 * @module
 */
import type { Redis } from "ioredis";

export const MODULES = ["inventory", "accounts", "orders", "messaging"] as const;

/** Keys of one kind measured one by one; more are sampled. */
const SAMPLE = 1_000;
/**
 * Kinds with this few keys are indexes (the recent orders, a customer's
 * ledger): measured element by element (SAMPLES 0), not estimated from five.
 */
const INDEX = 20;

export interface KeyKind {
  kind: string;
  /** A module's name, `bus` or `other`. */
  owner: string;
  keys: number;
  bytes: number;
}

export interface Keyspace {
  kinds: KeyKind[];
  /** MEMORY USAGE per owner (each module, `bus`, `other`). */
  bytes: Record<string, number>;
  keys: number;
  /** Clients' buffers, scripts' caches, replication and AOF buffers (MEMORY STATS). */
  serverBytes: number;
}

/** `{orders}:idem:cus_0a9…:soak-7-…` → `{orders}:idem:*:*`; a namespace or id holds digits and is long. */
export function keyKind(key: string): string {
  return key.split(":").map((part, i) =>
    i > 0 && (part.includes("@") || (/[0-9]/.test(part) && part.length >= 8)) ? "*" : part
  ).join(":");
}

function ownerOf(kind: string): string {
  // A module's keys start with its hash tag (`{orders}:`), the bus's with `bus:`.
  const first = kind.split(":")[0]!.replace(/^\{(.*)\}$/, "$1");
  return (MODULES as readonly string[]).includes(first) || first === "bus" ? first : "other";
}

/** Up to `n` of `items`, chosen at random. */
function sampleOf<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  const copy = [...items];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

/** What MEMORY STATS names besides the keys and the start-up allocation. */
const SERVER =
  /^(clients\.(normal|slaves)|lua\.caches|functions\.caches|replication\.backlog|aof\.buffer)$/;

async function serverBytes(redis: Redis): Promise<number> {
  const stats = await redis.call("MEMORY", "STATS") as unknown[];
  let bytes = 0;
  for (let i = 0; i + 1 < stats.length; i += 2) {
    if (SERVER.test(String(stats[i]))) bytes += Number(stats[i + 1]) || 0;
  }
  return bytes;
}

export async function keyspace(redis: Redis): Promise<Keyspace> {
  const byKind = new Map<string, string[]>();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "COUNT", 1_000);
    cursor = next;
    for (const key of keys) {
      const kind = keyKind(key);
      const list = byKind.get(kind) ?? [];
      if (list.length === 0) byKind.set(kind, list);
      list.push(key);
    }
  } while (cursor !== "0");
  const kinds: KeyKind[] = [];
  const bytes: Record<string, number> = { bus: 0, other: 0 };
  for (const module of MODULES) bytes[module] = 0;
  let keys = 0;
  for (const [kind, names] of byKind) {
    const measured = sampleOf(names, SAMPLE);
    const pipeline = redis.pipeline();
    for (const name of measured) {
      if (names.length <= INDEX) pipeline.memory("USAGE", name, "SAMPLES", 0);
      else pipeline.memory("USAGE", name);
    }
    // A key that expired since the SCAN answers null: it is left out of the mean.
    const sizes = ((await pipeline.exec()) ?? []).flatMap(([, size]) =>
      typeof size === "number" ? [size] : []
    );
    const total = (sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length)) * names.length;
    const owner = ownerOf(kind);
    kinds.push({ kind, owner, keys: names.length, bytes: total });
    bytes[owner] = (bytes[owner] ?? 0) + total;
    keys += names.length;
  }
  kinds.sort((a, b) => b.bytes - a.bytes);
  return { kinds, bytes, keys, serverBytes: await serverBytes(redis) };
}

/** Per kind of key: how many more keys and bytes each settled order left between two readings. */
export function costPerOrder(from: Keyspace, to: Keyspace, orders: number) {
  const earlier = new Map(from.kinds.map((k) => [k.kind, k]));
  return to.kinds.map((k) => ({
    kind: k.kind,
    owner: k.owner,
    keys: k.keys,
    bytes: Math.round(k.bytes),
    keysPerOrder: (k.keys - (earlier.get(k.kind)?.keys ?? 0)) / orders,
    bytesPerOrder: (k.bytes - (earlier.get(k.kind)?.bytes ?? 0)) / orders,
  }));
}
