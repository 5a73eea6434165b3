/**
 * Creating (idempotently) the JetStream streams and durables the bus uses.
 *
 * @module
 */
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  DeliverPolicy,
  DiscardPolicy,
  ErrorCode,
  type JetStreamManager,
  nanos,
  type NatsError,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "nats";
import { delay } from "../../lib/async/delay.ts";
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

function isTimeout(error: unknown): boolean {
  return (error as Partial<NatsError> | null)?.code === ErrorCode.Timeout;
}

/**
 * Tries at creating a stream or durable whose creation went unanswered.
 * Processes start together, and so create a namespace's streams and a
 * group's new durables together; a NATS cluster (2.9) may then never answer
 * one of them.
 */
const CREATE_ATTEMPTS = 3;

async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string; subjects: string[] },
): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await jsm.streams.add(config);
      return;
    } catch (error) {
      if (apiErrorCode(error) === STREAM_NAME_IN_USE) break;
      // Unanswered (see CREATE_ATTEMPTS): add again, which adopts what the first one made.
      if (!isTimeout(error) || attempt >= CREATE_ATTEMPTS) throw error;
    }
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

/** JetStream's error code for "consumer not found". */
const CONSUMER_NOT_FOUND = 10014;

function durableConfig(spec: DurableSpec): Partial<ConsumerConfig> & { durable_name: string } {
  return {
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
  };
}

/** Whether the durable the server has is the one `wanted` describes. */
function isAsWanted(info: ConsumerInfo, wanted: Partial<ConsumerConfig>): boolean {
  const has = info.config as unknown as Record<string, unknown>;
  return Object.entries(wanted).every(([key, value]) => has[key] === value);
}

async function durableInfo(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
): Promise<ConsumerInfo | null> {
  try {
    return await jsm.consumers.info(stream, durable);
  } catch (error) {
    if (apiErrorCode(error) === CONSUMER_NOT_FOUND) return null;
    throw error;
  }
}

/**
 * Creates the durable or brings its settings up to date, leaving one that is
 * already as wanted alone (an update on a cluster disturbs the members'
 * pulls); a creation that goes unanswered looks again and tries again.
 */
export async function ensureDurable(
  jsm: JetStreamManager,
  stream: string,
  spec: DurableSpec,
): Promise<ConsumerInfo> {
  const wanted = durableConfig(spec);
  for (let attempt = 1;; attempt++) {
    try {
      // Looking at a durable another process is creating may go unanswered too.
      const existing = await durableInfo(jsm, stream, spec.durable);
      if (existing && isAsWanted(existing, wanted)) return await withLeader(jsm, existing);
      // nats-server upserts a durable created again under the same name.
      return await withLeader(jsm, await jsm.consumers.add(stream, wanted));
    } catch (error) {
      if (!isTimeout(error) || attempt >= CREATE_ATTEMPTS) throw error;
    }
  }
}

const LEADER_POLL_MS = 100;
const LEADER_WAIT_MS = 10_000;

/**
 * The durable's info once it has a leader. A cluster answers a creation
 * before it has elected the new durable's leader, and a pull sent to a
 * durable with no leader is lost without a word: the member would wait for
 * nothing until its idle heartbeats are missed.
 */
async function withLeader(jsm: JetStreamManager, info: ConsumerInfo): Promise<ConsumerInfo> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  // A single server reports no cluster at all: it leads everything.
  while (info.cluster && !info.cluster.leader && Date.now() < deadline) {
    await delay(LEADER_POLL_MS);
    info = await jsm.consumers.info(info.stream_name, info.name);
  }
  return info;
}
