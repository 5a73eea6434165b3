/**
 * Stream, subject and durable names of one namespace on a NATS server.
 *
 * Subjects: events on `<ns>.events.<type>`, replays to one group on
 * `<ns>.direct.<group>.<type>`, dead letters on `<ns>.dead.<group>`.
 *
 * @module
 */
import { resolveNamespace } from "../defaults.ts";

export interface NatsNames {
  readonly namespace: string;
  /** Holds every event and every replay of the namespace. */
  readonly eventsStream: string;
  readonly eventsSubjects: readonly string[];
  readonly deadStream: string;
  /** Matches every dead letter of the namespace. */
  readonly deadSubjects: string;
  eventSubject(type: string): string;
  directSubject(group: string, type: string): string;
  deadSubject(group: string): string;
  /** Every durable of `group`, and no other group's, starts with this. */
  durablePrefix(group: string): string;
  /** The durable through which `group` reads `type` events. */
  eventDurable(group: string, type: string): string;
  /** The durable through which `group` reads replays of `type`. */
  directDurable(group: string, type: string): string;
}

/**
 * Durable names may not contain dots. Event types never contain `-` or `~`
 * and group names never contain `~`, so mapping `.` to `-` and joining with
 * `~` keeps different (group, type) pairs on different durables.
 */
function typeToken(type: string): string {
  return type.replaceAll(".", "-");
}

/** The names of `namespace` (the default when none is given). */
export function natsNames(namespace?: string): NatsNames {
  namespace = resolveNamespace(namespace);
  const prefix = namespace.toUpperCase();
  return {
    namespace,
    eventsStream: `${prefix}_EVENTS`,
    eventsSubjects: [`${namespace}.events.>`, `${namespace}.direct.>`],
    deadStream: `${prefix}_DEAD`,
    deadSubjects: `${namespace}.dead.>`,
    eventSubject: (type) => `${namespace}.events.${type}`,
    directSubject: (group, type) => `${namespace}.direct.${group}.${type}`,
    deadSubject: (group) => `${namespace}.dead.${group}`,
    durablePrefix: (group) => `${group}~`,
    eventDurable: (group, type) => `${group}~${typeToken(type)}`,
    directDurable: (group, type) => `${group}~${typeToken(type)}~direct`,
  };
}
