/**
 * The Redis stores' outbox: a stream in the module's own keyspace that the
 * store's Lua scripts append to with the write itself, relayed by one process
 * of the module at a time (a lease), so each entry is published once while
 * that process lives.
 *
 * @module
 */
import type { Redis } from "ioredis";
import { decodeEnvelope, encodeEnvelope, type Envelope } from "../bus/mod.ts";
import type { Outbox, OutboxEntry } from "./outbox.ts";
import { LuaScript } from "./redis_script.ts";

/** An outbox stream in the module's own keyspace (`<prefix>outbox`). */
export class RedisOutbox implements Outbox {
  constructor(private readonly redis: Redis, readonly key: string) {}

  /** The XADD arguments for a Lua script that appends atomically itself. */
  static encode(envelope: Envelope): string {
    return encodeEnvelope(envelope);
  }

  async peek(limit: number): Promise<OutboxEntry[]> {
    return await this.decode(await this.redis.xrange(this.key, "-", "+", "COUNT", limit));
  }

  /** XRANGE rows as entries, oldest first; a corrupt entry is deleted, not returned. */
  async decode(rows: [string, string[]][]): Promise<OutboxEntry[]> {
    const entries: OutboxEntry[] = [];
    for (const [key, fields] of rows) {
      const text = fields[fields.indexOf("e") + 1];
      try {
        entries.push({ key, envelope: decodeEnvelope(text ?? "") });
      } catch {
        // A corrupt entry can never be published; drop it rather than block the outbox.
        await this.redis.xdel(this.key, key);
      }
    }
    return entries;
  }

  async remove(keys: string[]): Promise<void> {
    if (keys.length) await this.redis.xdel(this.key, ...keys);
  }
}

/** How long a silent holder keeps an outbox lease; it renews on every look at the outbox. */
export const LEASE_MS = 3_000;

/**
 * Takes the lease when free or renews it when `owner` holds it and, when held, reads the
 * oldest entries: one round trip per look at the outbox.
 * KEYS: lease, stream. ARGV: owner, lease ms, count. Rows as XRANGE gives them; none when not held.
 */
const PEEK_IF_HELD = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  return {}
end
return redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', ARGV[3])
`);

/** KEYS: lease. ARGV: owner. */
const RELEASE_LEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

export interface LeaseOptions {
  /** Default: the stream's key with ":lease" added. */
  leaseKey?: string;
  leaseMs?: number;
}

/**
 * One relay at a time per Redis outbox. Every process of a module shares the
 * module's outbox stream; without a lease each process's relay would read the
 * same entries and publish them all again (harmless to idempotent consumers,
 * but every event twice or more). The process holding the lease relays; the
 * others see an empty outbox until it lapses (the holder died) or is released
 * (the holder's relay stopped).
 */
export class LeasedOutbox implements Outbox {
  /** Only the holder relays, so the other processes' writes wait for its next look: keep it short. */
  readonly relayIntervalMs = 50;
  readonly leaseKey: string;
  readonly #leaseMs: number;
  readonly #owner = crypto.randomUUID();

  constructor(
    private readonly redis: Redis,
    private readonly stream: RedisOutbox,
    options: LeaseOptions = {},
  ) {
    this.leaseKey = options.leaseKey ?? `${stream.key}:lease`;
    this.#leaseMs = options.leaseMs ?? LEASE_MS;
  }

  /** Renews (or takes) the lease and reads the outbox in one script: one round trip a look. */
  async peek(limit: number): Promise<OutboxEntry[]> {
    const rows = await PEEK_IF_HELD.run(
      this.redis,
      [this.leaseKey, this.stream.key],
      [this.#owner, this.#leaseMs, limit],
    ) as [string, string[]][];
    return rows.length === 0 ? [] : await this.stream.decode(rows);
  }

  remove(keys: string[]): Promise<void> {
    return this.stream.remove(keys);
  }

  /** Hands the lease on at once, so another process relays without waiting for it to lapse. */
  async release(): Promise<void> {
    await RELEASE_LEASE.run(this.redis, [this.leaseKey], [this.#owner]);
  }
}

/**
 * A Redis store's outbox: the stream at `key` its Lua scripts append to (inside
 * the script, with the write itself), relayed by one process at a time.
 */
export class StoreOutbox extends LeasedOutbox {
  constructor(redis: Redis, readonly key: string) {
    super(redis, new RedisOutbox(redis, key));
  }
}
