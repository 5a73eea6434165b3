/**
 * The transactional outbox: a module writes its state change and the events it
 * emits in one atomic step (a Redis MULTI with an XADD to `<module>:outbox`, or
 * one synchronous step in memory); the relay publishes them afterwards and only
 * then removes them. A crash between the write and the publish loses nothing:
 * the next relay run publishes what is left (at least once).
 *
 * @module
 */
import { INVALID_SPAN_CONTEXT, trace } from "@opentelemetry/api";
import type { ChainableCommander, Redis } from "ioredis";
import { createEnvelope, decodeEnvelope, encodeEnvelope } from "../bus/envelope.ts";
import { traceparentOf } from "../bus/tracing.ts";
import type { Bus, Envelope, EventContract } from "../bus/types.ts";
import type { z } from "zod";
import type { Logger } from "./logger.ts";

export interface OutboxEntry {
  key: string;
  envelope: Envelope;
}

export interface Outbox {
  /** Oldest first. */
  peek(limit: number): Promise<OutboxEntry[]>;
  remove(keys: string[]): Promise<void>;
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

  /** Called inside the same synchronous step as the state change it belongs to. */
  append(...envelopes: Envelope[]): void {
    for (const envelope of envelopes) {
      this.#entries.push({ key: String(this.#next++), envelope });
    }
  }

  peek(limit: number): Promise<OutboxEntry[]> {
    return Promise.resolve(this.#entries.slice(0, limit));
  }

  remove(keys: string[]): Promise<void> {
    const gone = new Set(keys);
    this.#entries = this.#entries.filter((entry) => !gone.has(entry.key));
    return Promise.resolve();
  }
}

/** An outbox stream in the module's own keyspace (`<prefix>outbox`). */
export class RedisOutbox implements Outbox {
  constructor(private readonly redis: Redis, readonly key: string) {}

  /** Adds the events to a MULTI that also holds the state change. */
  appendTo(multi: ChainableCommander, ...envelopes: Envelope[]): ChainableCommander {
    for (const envelope of envelopes) multi.xadd(this.key, "*", "e", encodeEnvelope(envelope));
    return multi;
  }

  /** The XADD arguments for a Lua script that appends atomically itself. */
  static encode(envelope: Envelope): string {
    return encodeEnvelope(envelope);
  }

  async peek(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.redis.xrange(this.key, "-", "+", "COUNT", limit);
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

export interface RelayOptions {
  /** How often the relay looks for work it was not woken for (other processes' writes). */
  intervalMs?: number;
  batch?: number;
}

/** Publishes outbox entries in order, removing each only once the bus has it. */
export class OutboxRelay {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  readonly #intervalMs: number;
  readonly #batch: number;

  constructor(
    private readonly outbox: Outbox,
    private readonly bus: Bus,
    private readonly log: Logger,
    options: RelayOptions = {},
  ) {
    this.#intervalMs = options.intervalMs ?? 250;
    this.#batch = options.batch ?? 200;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  /** Publish soon: the caller has just appended. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = null;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Publishes what is left, then stops. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
    await this.#drain().catch(() => {});
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.wake();
      this.#schedule();
    }, this.#intervalMs);
  }

  async #drain(): Promise<void> {
    try {
      while (true) {
        const entries = await this.outbox.peek(this.#batch);
        if (entries.length === 0) return;
        await Promise.all(entries.map((entry) => this.bus.publishEnvelope(entry.envelope)));
        await this.outbox.remove(entries.map((entry) => entry.key));
        if (entries.length < this.#batch) return;
      }
    } catch (error) {
      // The bus or the store is down; the entries stay and the next run retries them.
      this.log.warn("Outbox relay could not publish; will retry", { error });
    }
  }
}
