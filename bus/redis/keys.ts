/**
 * Where the Redis adapter keeps things. Every key starts `bus:{<namespace>}:`
 * so several systems (or test runs) share one server and can be deleted
 * apart. The braces are a Redis Cluster hash tag: only the namespace is
 * hashed, so every key of one namespace lives in one slot, on one master, and
 * the bus's multi-key commands (XREADGROUP across streams, the dead-letter
 * MULTI, the replay script) and pipelines never cross slots. A single server
 * ignores the braces.
 *
 * @module
 */
import { resolveNamespace } from "../defaults.ts";

export class RedisKeys {
  /** Every key of the namespace starts with this; `${prefix}*` finds them all. */
  readonly prefix: string;

  constructor(namespace?: string) {
    // The rule keeps colons and braces out: one namespace never reaches into another's keys.
    this.prefix = `bus:{${resolveNamespace(namespace)}}:`;
  }

  /** One stream per event type, so a group reads only the types it subscribed to. */
  stream(type: string): string {
    return `${this.prefix}stream:${type}`;
  }

  /** Replays land here, so only the group that failed a message sees it again. */
  direct(group: string): string {
    return `${this.prefix}direct:${group}`;
  }

  /** The set of streams `group` reads (its types' and its direct stream), for backlog(). */
  reads(group: string): string {
    return `${this.prefix}reads:${group}`;
  }

  get dead(): string {
    return `${this.prefix}dead`;
  }
}
