/**
 * What every adapter shares above its broker. Publishing: validate, wrap in
 * an envelope, open a producer span, hand the envelope to the adapter's
 * `send`. Dead letters: replaying all of them is replaying each, in order.
 *
 * @module
 */
import type { z } from "zod";
import { createEnvelope } from "./envelope.ts";
import { untracedTraceparent, withPublishSpan } from "./tracing.ts";
import {
  assertEventType,
  assertGroupName,
  type ResolvedOptions,
  resolveOptions,
} from "./defaults.ts";
import type {
  Backlog,
  Bus,
  CloseOptions,
  DeadLetter,
  DeadLetterStore,
  Envelope,
  EventContract,
  EventData,
  Handler,
  PublishOptions,
  SubscribeOptions,
  Subscription,
} from "./types.ts";

/** A dead-letter store that lists and replays one letter; replayAll follows from those. */
export abstract class BaseDeadLetters implements DeadLetterStore {
  abstract list(group?: string, limit?: number): Promise<DeadLetter[]>;
  abstract replay(id: string): Promise<boolean>;

  /** One at a time, oldest first: a letter another replay took meanwhile is not counted. */
  async replayAll(group?: string): Promise<number> {
    let replayed = 0;
    for (const letter of await this.list(group)) {
      // An unparsable letter can never go back (replay would say false anyway).
      if (letter.envelope && await this.replay(letter.id)) replayed++;
    }
    return replayed;
  }
}

/** Who subscribes, to what, and how: what an adapter's open() gets. */
export interface Subscriber {
  group: string;
  events: readonly EventContract[];
  handler: Handler;
  options: ResolvedOptions;
}

export abstract class BaseBus implements Bus {
  abstract readonly kind: string;
  abstract readonly deadLetters: DeadLetterStore;
  /** Every subscription still open, so close() can close them. */
  protected readonly subscriptions = new Set<Subscription>();
  protected closed = false;

  /** `source` names the publisher in every envelope (a module name, usually). */
  constructor(readonly source: string) {}

  /**
   * Puts one envelope on the broker; resolves once the broker has it, or
   * returns nothing when it took it at once (no promise to wait for).
   */
  protected abstract send(envelope: Envelope): Promise<void> | void;
  /** Opens a subscription for a valid group name and at least one event, every option filled in. */
  protected abstract open(subscriber: Subscriber): Promise<Subscription>;
  protected abstract disconnect(): Promise<void>;
  /** The backlog of a valid group name. */
  protected abstract readBacklog(group: string): Promise<Backlog>;
  abstract ping(): Promise<void>;

  // async: a bad payload or a closed bus is a rejected promise, never a synchronous throw.
  async publish<C extends EventContract>(
    event: C,
    data: z.input<C["schema"]>,
    options: PublishOptions = {},
  ): Promise<Envelope<EventData<C>>> {
    this.assertOpen();
    // Built before the span so a bad payload throws its ZodError at the caller.
    const envelope = createEnvelope(this.source, event, data, options);
    assertEventType(envelope.type);
    // Tracing off (no provider): no span to open, only a traceparent to write.
    const untraced = untracedTraceparent();
    if (untraced !== null) {
      envelope.traceparent = untraced;
      const sent = this.send(envelope);
      if (sent) await sent;
      return envelope;
    }
    return await withPublishSpan(this.kind, event.type, async (traceparent) => {
      envelope.traceparent = traceparent;
      await this.send(envelope);
      return envelope;
    });
  }

  async publishEnvelope(envelope: Envelope): Promise<void> {
    this.assertOpen();
    // No contract vouches for an envelope built elsewhere.
    assertEventType(envelope.type);
    await this.send(envelope);
  }

  async backlog(group: string): Promise<Backlog> {
    this.assertOpen();
    // The name becomes part of keys and durable names: never read with a malformed one.
    assertGroupName(group);
    return await this.readBacklog(group);
  }

  async subscribe(
    group: string,
    events: readonly EventContract[],
    handler: Handler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.assertOpen();
    // As for backlog(): the name becomes part of keys and durable names.
    assertGroupName(group);
    if (events.length === 0) {
      throw new RangeError(`Group "${group}" must subscribe to at least one event`);
    }
    const subscription = await this.open({
      group,
      events,
      handler,
      options: resolveOptions(options),
    });
    this.subscriptions.add(subscription);
    return {
      group,
      close: async (options?: CloseOptions) => {
        this.subscriptions.delete(subscription);
        await subscription.close(options);
      },
    };
  }

  async close(options?: CloseOptions): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close(options)));
    this.subscriptions.clear();
    await this.disconnect();
  }

  protected assertOpen(): void {
    if (this.closed) throw new Error(`The ${this.kind} bus is closed`);
  }
}
