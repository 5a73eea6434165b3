/**
 * Defaults and names every adapter shares, kept in one place so that memory,
 * Redis and NATS behave alike and dead letters look the same everywhere.
 *
 * @module
 */
import { createLogger, type Logger } from "../lib/logger.ts";
import type { SubscribeOptions } from "./types.ts";

export const DEFAULT_MAX_IN_FLIGHT = 100;
export const DEFAULT_MAX_DELIVER = 5;
/**
 * Our handlers take milliseconds, so ten seconds is far past any honest run and
 * keeps a killed process's messages from waiting long for a new owner, well
 * inside the saga's 30 s step deadline.
 */
export const DEFAULT_ACK_DEADLINE_MS = 10_000;
/**
 * How many messages the bus keeps per event type once every group has taken
 * them. Retention is history for groups that start later and for looking
 * back; what a group still needs is never dropped, whatever the bounds, so
 * the bounds can be small and memory stays flat under a steady load.
 */
export const DEFAULT_RETENTION = 10_000;
/** How long (ms) the bus keeps a message every group has taken: one hour. */
export const DEFAULT_RETENTION_MS = 3_600_000;
/**
 * JetStream's limits drop the oldest messages whether or not a durable has
 * taken them (the other adapters never drop what a group has not taken), so
 * by default NATS keeps far more: on the server's disk, not in our memory.
 */
export const NATS_DEFAULT_RETENTION = 1_000_000;

/** The two bounds on a bus's history, by count and by age. */
export interface Retention {
  count: number;
  ageMs: number;
}

/** The configured retention, or the defaults; rejects anything but positive integers. */
export function resolveRetention(
  count: number = DEFAULT_RETENTION,
  ageMs: number = DEFAULT_RETENTION_MS,
): Retention {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`Bus retention must be a positive integer, got ${count}`);
  }
  if (!Number.isInteger(ageMs) || ageMs < 1) {
    throw new RangeError(`Bus retention age must be a positive number of ms, got ${ageMs}`);
  }
  return { count, ageMs };
}
/**
 * How long a Redis command (or a JetStream request) may wait for its answer,
 * sent or queued, unless REDIS_COMMAND_TIMEOUT_MS says.
 */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
/** How long close() lets in-flight handlers run before abandoning their messages. */
export const DEFAULT_CLOSE_GRACE_MS = 10_000;

/** Exponential backoff from 100 ms, doubling, capped at 10 s. */
export function defaultBackoff(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 10_000);
}

export type ResolvedOptions = Required<SubscribeOptions>;

/** Fills in the defaults and rejects nonsense early with a clear message. */
export function resolveOptions(options: SubscribeOptions = {}): ResolvedOptions {
  const resolved: ResolvedOptions = {
    maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
    maxDeliver: options.maxDeliver ?? DEFAULT_MAX_DELIVER,
    ackDeadlineMs: options.ackDeadlineMs ?? DEFAULT_ACK_DEADLINE_MS,
    backoff: options.backoff ?? defaultBackoff,
  };
  for (const key of ["maxInFlight", "maxDeliver", "ackDeadlineMs"] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`Subscribe option ${key} must be a positive integer, got ${value}`);
    }
  }
  return resolved;
}

/** Group names become Redis keys, NATS durable names and subject tokens. */
export const GROUP_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function assertGroupName(group: string): void {
  if (!GROUP_NAME.test(group)) {
    throw new RangeError(`Group name "${group}" must match ${GROUP_NAME}`);
  }
}

/**
 * Where an adapter reports what it recovers from on its own (it never throws
 * these at anyone): the process's logger when the config gives one, else
 * info and up on stderr; every line says which adapter.
 */
export function adapterLogger(kind: string, log: Logger = createLogger("info")): Logger {
  return log.child({ part: "bus", bus: kind });
}

/** The namespace of a bus configured without one. */
export const DEFAULT_NAMESPACE = "bazaar";
/**
 * Namespaces become Redis key segments, NATS subject tokens and stream names
 * alike, so one rule for every adapter: no dots, colons, wildcards or spaces.
 */
export const NAMESPACE = /^[A-Za-z0-9_-]{1,64}$/;
/** The rule in words, for messages. */
export const NAMESPACE_RULE = "1-64 letters, digits, _ or -";

/** The namespace to use (the default when none is given); a RangeError quoting a bad one. */
export function resolveNamespace(namespace: string = DEFAULT_NAMESPACE): string {
  if (!NAMESPACE.test(namespace)) {
    throw new RangeError(`Bus namespace "${namespace}" must be ${NAMESPACE_RULE}`);
  }
  return namespace;
}

/** Event types are dotted lower-case words, e.g. "order.placed". */
export const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/** Event types become stream keys and subjects: never publish under a malformed one. */
export function assertEventType(type: string): void {
  if (!EVENT_TYPE.test(type)) {
    throw new RangeError(`Event type "${type}" must match ${EVENT_TYPE}`);
  }
}
