/**
 * The Redis stores' events: written by the store's own Lua scripts with the
 * state change, either straight into the bus's streams (a Redis bus on the
 * same server) or into an outbox stream in the module's keyspace, relayed by
 * one process of the module at a time (a lease), so each entry is published
 * once while that process lives.
 *
 * @module
 */
import { decodeEnvelope, encodeEnvelope, type Envelope, tracingOff } from "../bus/mod.ts";
import type { Outbox, OutboxEntry } from "./outbox.ts";
import { type RedisClient, replicaWaitOf } from "./redis_client.ts";
import { writeReplicated } from "./redis_replicated.ts";
import { LuaScript } from "./redis_script.ts";

/**
 * An outbox stream in the module's own keyspace (`<prefix>outbox`, under the
 * module's hash tag: the scripts that append to it touch the module's keys).
 */
export class RedisOutbox implements Outbox {
  constructor(private readonly redis: RedisClient, readonly key: string) {}

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
        await writeReplicated(this.redis, (pipeline) => pipeline.xdel(this.key, key));
      }
    }
    return entries;
  }

  async remove(keys: string[]): Promise<void> {
    if (keys.length) {
      await writeReplicated(this.redis, (pipeline) => pipeline.xdel(this.key, ...keys));
    }
  }
}

/** How long a silent holder keeps an outbox lease; it renews on every look at the outbox. */
export const LEASE_MS = 3_000;

/**
 * Takes the lease when free or renews it when `owner` holds it and, when held, reads the
 * oldest entries: one round trip per look at the outbox.
 * KEYS: lease, stream. ARGV: owner, lease ms, count. Rows as XRANGE gives them; nil when
 * another process holds it.
 */
const PEEK_IF_HELD = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  return false
end
return redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', ARGV[3])
`);

/** KEYS: lease. ARGV: owner. */
const RELEASE_LEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

export interface LeaseOptions {
  /** Default: the stream's key with ":lease" added (so under its hash tag, in its slot). */
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
  /** When (performance.now(), taken before asking) this process last took or renewed the lease. */
  #renewedAt = -Infinity;

  constructor(
    private readonly redis: RedisClient,
    private readonly stream: RedisOutbox,
    options: LeaseOptions = {},
  ) {
    this.leaseKey = options.leaseKey ?? `${stream.key}:lease`;
    this.#leaseMs = options.leaseMs ?? LEASE_MS;
  }

  /**
   * Renews (or takes) the lease and reads the outbox in one script: one round trip a look.
   * Renewed within the last third of the lease, it still holds it for two thirds more:
   * then a look is the XRANGE alone. (Clocks that disagree by that much cost no more than
   * some entries published twice, which consumers take in their stride.)
   *
   * Not with a replica wait (REDIS_WAIT_REPLICAS): the XRANGE alone may return entries of a
   * write refused for want of a replica (ReplicasBehindError), which the master has and a
   * failover drops, and their events would go out for a change that never happened. The
   * script writes (the lease) after reading and is WAITed for (LuaScript.run), so what it
   * returns a replica has. (The XRANGE alone is followed by no WAIT at all; and one after
   * a read covers what it read only on servers that record a client's offset after every
   * command, not on those that record it after a write.)
   */
  async peek(limit: number): Promise<OutboxEntry[]> {
    const now = performance.now();
    if (replicaWaitOf(this.redis) === null && now - this.#renewedAt < this.#leaseMs / 3) {
      return await this.stream.peek(limit);
    }
    const rows = await PEEK_IF_HELD.run(
      this.redis,
      [this.leaseKey, this.stream.key],
      [this.#owner, this.#leaseMs, limit],
    ) as [string, string[]][] | null;
    if (rows === null) return [];
    this.#renewedAt = now;
    return rows.length === 0 ? [] : await this.stream.decode(rows);
  }

  remove(keys: string[]): Promise<void> {
    return this.stream.remove(keys);
  }

  /** Hands the lease on at once, so another process relays without waiting for it to lapse. */
  async release(): Promise<void> {
    this.#renewedAt = -Infinity;
    await RELEASE_LEASE.run(this.redis, [this.leaseKey], [this.#owner]);
  }
}

/**
 * A Redis bus on the stores' own server, as a store's scripts may write to it:
 * straight into the stream of each event's type, in the script that makes the
 * state change, so the change and its events are one atomic step with no
 * outbox to relay (RedisBus.streams).
 */
export interface BusStreams {
  /** The stream events of `type` go to: a script's KEYS entry. */
  streamOf(type: string): string;
  /** A script appended to `stream`: the bus trims it in due course, as after its own publishes. */
  appended(stream: string): void;
}

/** Where one write's events go, chosen as the write begins (`StoreOutbox.route`). */
export interface EventRoute {
  /** The key a script XADDs an event of `type` to (`e` = the encoded envelope). */
  keyOf(type: string): string;
  /** Called once the script has run. */
  written(): void;
}

/** How often a store whose events go straight to the bus still looks at its outbox (see peek). */
export const DIRECT_LOOK_MS = 1_000;

/**
 * A Redis store's events. Its Lua scripts XADD each event with the write
 * itself, to the key `route().keyOf(type)` names:
 *
 * - with `busStreams` (a Redis bus on this server) and tracing off: the bus's
 *   own stream, so the event is published as the state changes — no outbox
 *   entry, relay, lease or XDEL;
 * - otherwise this outbox stream (`key`), relayed by one process at a time.
 *   With tracing on the relay is what opens each event's publish span.
 *
 * On a Redis Cluster the bus's streams live in other slots than a module's
 * keys, and one script may only touch one slot: give the store no streams
 * there (its outbox shares the module's hash tag, and the relay's publish and
 * removal are separate at-least-once steps).
 *
 * Either way a crash can never separate a change from its events. Writing
 * straight to the bus, peek() still looks at the outbox once a second (and at
 * once after a write that went to it): entries another process left there —
 * one that traces, or runs on another bus — are relayed all the same.
 */
export class StoreOutbox implements Outbox {
  readonly relayIntervalMs: number;
  readonly #leased: LeasedOutbox;
  readonly #streams: BusStreams | null;
  /** Writes this process sent to the outbox; peek() looks at once when one is new. */
  #outboxWrites = 0;
  #writesSeen = -1;
  #lookedAt = -Infinity;

  constructor(redis: RedisClient, readonly key: string, streams: BusStreams | null = null) {
    this.#leased = new LeasedOutbox(redis, new RedisOutbox(redis, key));
    this.#streams = streams;
    this.relayIntervalMs = this.#leased.relayIntervalMs;
  }

  get leaseKey(): string {
    return this.#leased.leaseKey;
  }

  /** Where the events of the write about to run go: call once per write, before building its keys. */
  route(): EventRoute {
    const streams = this.#streams;
    if (streams === null || !tracingOff()) {
      // Counted once written, so the relay's wake that follows the write looks for it.
      return { keyOf: () => this.key, written: () => void this.#outboxWrites++ };
    }
    const used = new Set<string>();
    return {
      keyOf: (type) => {
        const stream = streams.streamOf(type);
        used.add(stream);
        return stream;
      },
      written: () => {
        for (const stream of used) streams.appended(stream);
      },
    };
  }

  peek(limit: number): Promise<OutboxEntry[]> {
    if (this.#streams !== null) {
      const now = performance.now();
      if (this.#writesSeen === this.#outboxWrites && now - this.#lookedAt < DIRECT_LOOK_MS) {
        return Promise.resolve([]);
      }
      this.#lookedAt = now;
      this.#writesSeen = this.#outboxWrites;
    }
    return this.#peekAndRemember(limit);
  }

  async #peekAndRemember(limit: number): Promise<OutboxEntry[]> {
    const entries = await this.#leased.peek(limit);
    // A full batch: the relay comes straight back for the rest, and must find it.
    if (entries.length === limit) this.#writesSeen = -1;
    return entries;
  }

  remove(keys: string[]): Promise<void> {
    return this.#leased.remove(keys);
  }

  release(): Promise<void> {
    return this.#leased.release();
  }
}
