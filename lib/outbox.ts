/**
 * The transactional outbox: a module writes its state change and the events it
 * emits in one atomic step (a Lua script with an XADD to `{<module>}:outbox`, or
 * one synchronous step in memory); the relay publishes them afterwards and only
 * then removes them. A crash between the write and the publish loses nothing:
 * the next relay run publishes what is left (at least once). The Redis
 * outboxes, and how several processes share one, are in `redis_outbox.ts`.
 *
 * @module
 */
import { INVALID_SPAN_CONTEXT, trace } from "@opentelemetry/api";
import {
  type Bus,
  createEnvelope,
  type Envelope,
  type EventContract,
  traceparentOf,
  withPublishSpan,
} from "../bus/mod.ts";
import type { z } from "zod";
import { PeriodicTask } from "./async/periodic.ts";
import type { Logger } from "./logger.ts";

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
