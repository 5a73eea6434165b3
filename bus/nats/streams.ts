/**
 * Creating (idempotently) the JetStream streams and durables the bus uses.
 *
 * @module
 */
import {
  AckPolicy,
  type ConsumerInfo,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamManager,
  nanos,
  type NatsError,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "nats";
import type { Retention } from "../defaults.ts";
import type { NatsNames } from "./names.ts";

/** JetStream's error code for "stream name already in use with a different configuration". */
const STREAM_NAME_IN_USE = 10058;
export const STREAM_NOT_FOUND = 10059;

/**
 * Unacknowledged messages one durable may have out across all members of its
 * group. Each member holds at most maxInFlight running plus one pull batch, so
 * this only bounds a runaway, it does not pace normal work.
 */
const MAX_ACK_PENDING = 20_000;

export function apiErrorCode(error: unknown): number | undefined {
  return (error as Partial<NatsError> | null)?.api_error?.err_code;
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string; subjects: string[] },
): Promise<void> {
  try {
    await jsm.streams.add(config);
    return;
  } catch (error) {
    if (apiErrorCode(error) !== STREAM_NAME_IN_USE) throw error;
  }
  // Same name, other settings: adopt it only if it carries exactly our subjects,
  // so two namespaces that differ only in case never share (or steal) a stream.
  const existing = (await jsm.streams.info(config.name)).config;
  const same = existing.subjects.length === config.subjects.length &&
    config.subjects.every((subject) => existing.subjects.includes(subject));
  if (!same) {
    throw new Error(
      `Stream "${config.name}" exists with subjects ${JSON.stringify(existing.subjects)}, ` +
        `not ${JSON.stringify(config.subjects)}`,
    );
  }
  if (
    existing.max_msgs_per_subject !== config.max_msgs_per_subject ||
    existing.max_age !== config.max_age ||
    existing.num_replicas !== config.num_replicas
  ) {
    // A cluster moves the stream (and its durables) to the new number of replicas itself.
    await jsm.streams.update(config.name, {
      ...existing,
      max_msgs_per_subject: config.max_msgs_per_subject,
      max_age: config.max_age,
      num_replicas: config.num_replicas,
    });
  }
}

/**
 * Creates or updates the events and dead-letter streams of a namespace, kept
 * on `replicas` servers of a cluster (1: a single server). Durables take
 * their stream's replicas.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  names: NatsNames,
  retention: Retention,
  replicas = 1,
): Promise<void> {
  const common = {
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_msgs_per_subject: retention.count,
    max_age: nanos(retention.ageMs),
    num_replicas: replicas,
  };
  await ensureStream(jsm, {
    ...common,
    name: names.eventsStream,
    subjects: [...names.eventsSubjects],
  });
  // Dead letters wait for an operator, however long: bounded by count only.
  await ensureStream(jsm, {
    ...common,
    max_age: 0,
    name: names.deadStream,
    subjects: [names.deadSubjects],
  });
}

export interface DurableSpec {
  durable: string;
  filterSubject: string;
  ackDeadlineMs: number;
}

/**
 * Creates the durable or brings its settings up to date; nats-server upserts
 * a durable created again under the same name.
 */
export function ensureDurable(
  jsm: JetStreamManager,
  stream: string,
  spec: DurableSpec,
): Promise<ConsumerInfo> {
  return jsm.consumers.add(stream, {
    durable_name: spec.durable,
    filter_subject: spec.filterSubject,
    // A group that subscribes for the first time gets the retained history.
    deliver_policy: DeliverPolicy.All,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(spec.ackDeadlineMs),
    // The adapter counts deliveries and dead-letters itself, so the letter records the error.
    max_deliver: -1,
    max_ack_pending: MAX_ACK_PENDING,
    replay_policy: ReplayPolicy.Instant,
  });
}
