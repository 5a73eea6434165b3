/**
 * The in-memory bus: the embedded default, with the same delivery semantics
 * as the Redis and NATS adapters (retained logs, consumer groups, retries,
 * ack deadlines, dead letters), so code that works on it works on them.
 *
 * @module
 */
import { BaseBus, BaseDeadLetters, type Subscriber } from "../base.ts";
import { resolveNamespace, resolveRetention, type Retention } from "../defaults.ts";
import { contractMap } from "../delivery.ts";
import type { BusConfig } from "../config.ts";
import type { Backlog, DeadLetter, DeadLetterStore, Envelope, Subscription } from "../types.ts";
import type { Broker } from "./broker.ts";
import type { DeadLetterBox } from "./dead_letters.ts";
import { Member } from "./member.ts";
import { acquireBroker, releaseBroker } from "./registry.ts";
import { toWire } from "./wire.ts";

/** The broker's letters, reached as through a connection: failing once the bus is closed. */
class MemoryDeadLetters extends BaseDeadLetters {
  constructor(
    private readonly letters: DeadLetterBox,
    private readonly whileOpen: <T>(body: () => T) => Promise<T>,
  ) {
    super();
  }

  list(group?: string, limit?: number): Promise<DeadLetter[]> {
    return this.whileOpen(() => this.letters.list(group, limit));
  }

  replay(id: string): Promise<boolean> {
    return this.whileOpen(() => this.letters.replay(id));
  }
}

export class MemoryBus extends BaseBus {
  readonly kind = "memory";
  readonly deadLetters: DeadLetterStore;
  readonly #broker: Broker;
  readonly #retention: Retention;

  /** `url` is `memory:` or `memory://<name>`; buses on the same URL and namespace share a broker. */
  constructor(url: string, config: BusConfig) {
    super(config.source);
    this.#retention = resolveRetention(config.retention, config.retentionMs);
    this.#broker = acquireBroker(url, resolveNamespace(config.namespace), this.#retention);
    this.deadLetters = new MemoryDeadLetters(
      this.#broker.deadLetters,
      (body) => this.#whileOpen(body),
    );
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

  protected open({ group, events, handler, options }: Subscriber): Promise<Subscription> {
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
