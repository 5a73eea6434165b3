/**
 * The pending-list commands behind retries, ack deadlines and hand-back. The
 * delivery counter Redis keeps per pending message is the attempt number, so
 * a consumer that crashes between attempts still leaves an honest count.
 *
 * @module
 */
import type { RedisClient } from "../../lib/redis_client.ts";
import {
  parseAutoClaim,
  parseEntries,
  parsePending,
  type PendingEntry,
  type StreamEntry,
} from "./replies.ts";

export interface Claimed {
  entry: StreamEntry;
  /** The delivery counter after the claim: the attempt this delivery is. */
  attempt: number;
}

export interface IdleClaims {
  cursor: string;
  claimed: Claimed[];
  /** Pending ids whose entries are gone (trimmed or deleted); they must be acked away. */
  deleted: string[];
}

/**
 * Creates the group on each stream (and the stream), starting from the
 * retained history, and adds the streams to the set `reads`: which streams a
 * group reads is otherwise known only to the processes that subscribe it, and
 * backlog() must find them from any process.
 */
export async function createGroups(
  commands: RedisClient,
  streams: readonly string[],
  group: string,
  reads: string,
): Promise<void> {
  await Promise.all([
    commands.sadd(reads, ...streams),
    ...streams.map(async (stream) => {
      try {
        await commands.xgroup("CREATE", stream, group, "0", "MKSTREAM");
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith("BUSYGROUP"))) throw error;
      }
    }),
  ]);
}

async function pendingOf(
  commands: RedisClient,
  stream: string,
  group: string,
  id: string,
): Promise<PendingEntry | null> {
  const [pending] = parsePending(await commands.xpending(stream, group, id, id, 1));
  return pending ?? null;
}

/**
 * Takes over messages nobody acked within `minIdleMs` (a dead or hung consumer,
 * this one included). XAUTOCLAIM bumps each delivery counter; XPENDING reads it.
 */
export async function claimIdle(
  commands: RedisClient,
  stream: string,
  group: string,
  consumer: string,
  minIdleMs: number,
  cursor: string,
  count: number,
): Promise<IdleClaims> {
  const reply = parseAutoClaim(
    await commands.xautoclaim(stream, group, consumer, minIdleMs, cursor, "COUNT", count),
  );
  const live = reply.entries.filter((entry) => entry.fields !== null);
  const pending = await Promise.all(
    live.map((entry) => pendingOf(commands, stream, group, entry.id)),
  );
  const claimed: Claimed[] = [];
  live.forEach((entry, i) => {
    const owner = pending[i];
    // Acked, or claimed by another member, between the two commands.
    if (owner?.consumer === consumer) claimed.push({ entry, attempt: owner.deliveries });
  });
  const gone = reply.entries.filter((entry) => entry.fields === null).map((entry) => entry.id);
  return { cursor: reply.cursor, claimed, deleted: [...reply.deleted, ...gone] };
}

/**
 * Claims a message back for its next attempt after a backoff. `minIdleMs` is
 * the backoff just waited: when another member claimed it meanwhile (the wait
 * outlasted the ack deadline) it has been idle for less, and it stays theirs.
 * Null when it is no longer ours to run (taken, acked, or its entry is gone).
 * `keepCount` sets the delivery counter instead of adding one (a retry that
 * does not count as an attempt).
 */
export async function claimForRetry(
  commands: RedisClient,
  stream: string,
  group: string,
  consumer: string,
  id: string,
  minIdleMs: number,
  keepCount: number | null = null,
): Promise<Claimed | null> {
  const claim = keepCount === null ? [] : ["RETRYCOUNT", keepCount] as const;
  const results = await commands.multi()
    .xclaim(stream, group, consumer, minIdleMs, id, ...claim)
    .xpending(stream, group, id, id, 1)
    .exec();
  if (!results) throw new Error("Retry claim transaction was aborted");
  for (const [error] of results) if (error) throw error;
  const [entry] = parseEntries(results[0]![1]);
  const [pending] = parsePending(results[1]![1]);
  if (!entry?.fields || pending?.consumer !== consumer) return null;
  return { entry, attempt: pending.deliveries };
}

/** A message given back on close, and the delivery count its next claim should build on. */
export interface HandBack {
  id: string;
  deliveries: number;
}

/** Longer than any sane ack deadline, so the next sweep of any member takes these at once. */
const HANDED_BACK_IDLE_MS = 86_400_000;

/**
 * Gives messages this consumer holds but is not running back to the group on
 * close: marked long idle so other members claim them at their next sweep
 * instead of after a full ack deadline. JUSTID leaves the counter alone and
 * RETRYCOUNT undoes the count of a delivery that never ran.
 */
export async function handBack(
  commands: RedisClient,
  stream: string,
  group: string,
  consumer: string,
  messages: readonly HandBack[],
): Promise<void> {
  await Promise.all(messages.map(({ id, deliveries }) =>
    commands.call(
      "XCLAIM",
      stream,
      group,
      consumer,
      "0",
      id,
      "IDLE",
      String(HANDED_BACK_IDLE_MS),
      "RETRYCOUNT",
      String(deliveries),
      "JUSTID",
    )
  ));
}

/**
 * Removes this consumer from the group's consumer list on a clean close, so
 * consumers of past processes do not pile up. Only when it holds nothing:
 * DELCONSUMER would drop its pending messages with it.
 */
export async function forgetConsumer(
  commands: RedisClient,
  streams: readonly string[],
  group: string,
  consumer: string,
): Promise<void> {
  await Promise.all(streams.map(async (stream) => {
    const held = parsePending(await commands.xpending(stream, group, "-", "+", 1, consumer));
    if (held.length === 0) await commands.xgroup("DELCONSUMER", stream, group, consumer);
  }));
}
