/**
 * The transactional outbox: a module writes its state change and the events it
 * emits in one atomic step (a Redis MULTI with an XADD to `<module>:outbox`, or
 * one synchronous step in memory); the relay publishes them afterwards and only
 * then removes them. A crash between the write and the publish loses nothing:
 * the next relay run publishes what is left (at least once). Where several
 * processes share one Redis outbox, a lease (`LeasedOutbox`) lets only one of
 * them relay at a time, so each entry is published once while that one lives.
 *
 * @module
 */
import { INVALID_SPAN_CONTEXT, trace } from "@opentelemetry/api";
import type { Redis } from "ioredis";
import {
  type Bus,
  createEnvelope,
  decodeEnvelope,
  encodeEnvelope,
  type Envelope,
  type EventContract,
  traceparentOf,
  withPublishSpan,
} from "../bus/mod.ts";
import type { z } from "zod";
import { PeriodicTask } from "./async/periodic.ts";
import type { Logger } from "./logger.ts";
import { LuaScript } from "./redis_script.ts";

export interface OutboxEntry {
  key: string;
  envelope: Envelope;
}

export interface Outbox {
  /** Oldest first. */
  peek(limit: number): Promise<OutboxEntry[]>;
  remove(keys: string[]): Promise<void>;
  /** How often (ms) a relay should look for work it was not woken for; absent, its default. */
  readonly relayIntervalMs?: number;
  /** Lets go of what this process holds on the outbox (a lease); the relay calls it on stop. */
  release?(): Promise<void>;
  /**
   * An outbox in process memory, on a bus in process memory: from now on
   * every append goes straight to `sink` (null: kept again). The relay uses
   * it to skip the round through the outbox, which guards against a crash
   * between a write and its publish, and a crash of one process loses both.
   */
  handTo?(sink: ((envelope: Envelope) => void) | null): void;
}

/**
 * Builds the envelope of an event now, at write time, so the outbox holds it
 * whole: a handler's event carries the correlation, causation and trace of the
 * envelope that caused it.
 */
export function outboxEvent<C extends EventContract>(
  source: string,
  event: C,
  data: z.input<C["schema"]>,
  cause?: Envelope | null,
): Envelope {
  const active = trace.getActiveSpan();
  const traceparent = active && trace.isSpanContextValid(active.spanContext())
    ? traceparentOf(active)
    : cause?.traceparent ?? traceparentOf(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  return createEnvelope(source, event, data, {
    correlationId: cause?.correlation_id,
    causationId: cause?.id ?? null,
  }, traceparent);
}

export class MemoryOutbox implements Outbox {
  #entries: OutboxEntry[] = [];
  #next = 0;
  #sink: ((envelope: Envelope) => void) | null = null;

  /** Called inside the same synchronous step as the state change it belongs to. */
  append(...envelopes: Envelope[]): void {
    const sink = this.#sink;
    for (const envelope of envelopes) {
      if (sink) sink(envelope);
      else this.#entries.push({ key: String(this.#next++), envelope });
    }
  }

  /** What was kept goes to `sink` first, in order. */
  handTo(sink: ((envelope: Envelope) => void) | null): void {
    this.#sink = sink;
    if (!sink) return;
    const kept = this.#entries;
    this.#entries = [];
    for (const entry of kept) sink(entry.envelope);
  }

  peek(limit: number): Promise<OutboxEntry[]> {
    return Promise.resolve(this.#entries.slice(0, limit));
  }

  remove(keys: string[]): Promise<void> {
    // The relay removes what it peeked, the oldest entries in order: drop that prefix as is.
    const entries = this.#entries;
    let prefix = 0;
    while (prefix < keys.length && entries[prefix]?.key === keys[prefix]) prefix++;
    if (prefix === keys.length) {
      entries.splice(0, prefix);
    } else {
      const gone = new Set(keys);
      this.#entries = entries.filter((entry) => !gone.has(entry.key));
    }
    return Promise.resolve();
  }
}

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

export interface RelayOptions {
  /**
   * How often the relay looks for work it was not woken for (other processes'
   * writes). Default: what the outbox asks for, else 250.
   */
  intervalMs?: number;
  batch?: number;
}

/**
 * Publishes outbox entries in order, removing each only once the bus has it.
 * On stop it lets go of the outbox (a lease), so another process takes over.
 *
 * Each entry is published in a PRODUCER span whose parent is the traceparent
 * the entry got at write time (the request or handler span that made the state
 * change), and goes out carrying that producer span's traceparent: consumers
 * are children of the publish, and the trace goes on whichever process relays,
 * whenever. With tracing off an entry's valid traceparent goes out unchanged.
 */
export class OutboxRelay {
  readonly #task: PeriodicTask;
  readonly #batch: number;
  /** Handed entries as they are written (handTo), so there is nothing to relay. */
  #direct = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly bus: Pick<Bus, "publishEnvelope" | "kind">,
    private readonly log: Logger,
    options: RelayOptions = {},
  ) {
    this.#batch = options.batch ?? 200;
    // #drain() reports its own failures; onError hears only what should never happen.
    this.#task = new PeriodicTask(() => this.#drain(), {
      intervalMs: options.intervalMs ?? outbox.relayIntervalMs ?? 250,
      onError: (error) => this.log.error("Outbox relay run failed", { error }),
    });
  }

  /** On the in-process bus an in-process outbox hands each entry over as it is written. */
  start(): void {
    if (this.bus.kind === "memory" && this.outbox.handTo) {
      this.#direct = true;
      this.outbox.handTo((envelope) => {
        // Only a closed bus or an unencodable payload refuses; neither would pass a retry.
        this.#publish(envelope).catch((error) =>
          this.log.error("Could not publish to the in-process bus", { error })
        );
      });
      return;
    }
    this.#task.start();
  }

  /** Publish soon: the caller has just appended. */
  wake(): void {
    if (!this.#direct) this.#task.runNow();
  }

  /** Publishes what is left, lets go of the outbox, then stops. */
  async stop(): Promise<void> {
    if (this.#direct) this.outbox.handTo?.(null);
    this.#direct = false;
    await this.#task.stop();
    await this.#drain().catch(() => {});
    try {
      await this.outbox.release?.();
    } catch (error) {
      // Not handed on, a lease still lapses on its own; stopping must not fail for it.
      this.log.warn("Outbox relay could not release its outbox", { error });
    }
  }

  #publish(envelope: Envelope): Promise<void> {
    // A copy: the entry keeps its own traceparent should this publish fail and be retried.
    return withPublishSpan(
      this.bus.kind,
      envelope.type,
      (traceparent) => this.bus.publishEnvelope({ ...envelope, traceparent }),
      envelope,
    );
  }

  async #drain(): Promise<void> {
    try {
      while (true) {
        const entries = await this.outbox.peek(this.#batch);
        if (entries.length === 0) return;
        await Promise.all(entries.map((entry) => this.#publish(entry.envelope)));
        await this.outbox.remove(entries.map((entry) => entry.key));
        if (entries.length < this.#batch) return;
      }
    } catch (error) {
      // The bus or the store is down; the entries stay and the next run retries them.
      this.log.warn("Outbox relay could not publish; will retry", { error });
    }
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
