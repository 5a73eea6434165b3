/**
 * The in-memory bus: the embedded default, with the same delivery semantics
 * as the Redis and NATS adapters (retained logs, consumer groups, retries,
 * ack deadlines, dead letters), so code that works on it works on them.
 *
 * @module
 */
import { BaseBus } from "../base.ts";
import { type ResolvedOptions, resolveRetention, type Retention } from "../defaults.ts";
import { contractMap } from "../delivery.ts";
import type { BusConfig } from "../config.ts";
import type {
  Backlog,
  DeadLetterStore,
  Envelope,
  EventContract,
  Handler,
  Subscription,
} from "../types.ts";
import type { Broker } from "./broker.ts";
import { Member } from "./member.ts";
import { acquireBroker, releaseBroker } from "./registry.ts";
import { toWire } from "./wire.ts";

export class MemoryBus extends BaseBus {
  readonly kind = "memory";
  readonly deadLetters: DeadLetterStore;
  readonly #broker: Broker;
  readonly #retention: Retention;

  /** `url` is `memory:` or `memory://<name>`; buses on the same URL and namespace share a broker. */
  constructor(url: string, config: BusConfig) {
    super(config.source);
    this.#retention = resolveRetention(config.retention, config.retentionMs);
    this.#broker = acquireBroker(url, config.namespace ?? "bazaar", this.#retention);
    const letters = this.#broker.deadLetters;
    this.deadLetters = {
      list: (group, limit) => this.#whileOpen(() => letters.list(group, limit)),
      replay: (id) => this.#whileOpen(() => letters.replay(id)),
      replayAll: (group) => this.#whileOpen(() => letters.replayAll(group)),
    };
  }

  protected readBacklog(group: string): Promise<Backlog> {
    return this.#whileOpen(() => this.#broker.backlog(group));
  }

  ping(): Promise<void> {
    return this.#whileOpen(() => {});
  }

  // Synchronous: the broker has it on return, so publish needs no promise to wait for.
  protected send(envelope: Envelope): void {
    this.#broker.append(envelope.type, toWire(envelope), this.#retention);
  }

  protected open(
    group: string,
    events: readonly EventContract[],
    handler: Handler,
    options: ResolvedOptions,
  ): Promise<Subscription> {
    if (events.length === 0) {
      throw new RangeError(`Group "${group}" must subscribe to at least one event`);
    }
    const member = new Member(
      group,
      this.#broker,
      contractMap(events),
      handler,
      options,
    );
    member.join();
    return Promise.resolve(member);
  }

  protected disconnect(): Promise<void> {
    releaseBroker(this.#broker);
    return Promise.resolve();
  }

  /** Runs `body` as a promise that rejects once the bus is closed, as a real connection would. */
  #whileOpen<T>(body: () => T): Promise<T> {
    return Promise.resolve().then(() => {
      this.assertOpen();
      return body();
    });
  }
}
