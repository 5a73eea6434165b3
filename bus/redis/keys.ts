/**
 * Where the Redis adapter keeps things. Every key starts `bus:<namespace>:` so
 * several systems (or test runs) share one server and can be deleted apart.
 *
 * @module
 */

/** Namespaces become key segments; a colon in one could reach into another's keys. */
export const NAMESPACE = /^[A-Za-z0-9_.-]{1,64}$/;

export const DEFAULT_NAMESPACE = "bazaar";

export class RedisKeys {
  /** Every key of the namespace starts with this; `${prefix}*` finds them all. */
  readonly prefix: string;

  constructor(namespace: string = DEFAULT_NAMESPACE) {
    if (!NAMESPACE.test(namespace)) {
      throw new RangeError(`Bus namespace "${namespace}" must match ${NAMESPACE}`);
    }
    this.prefix = `bus:${namespace}:`;
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
