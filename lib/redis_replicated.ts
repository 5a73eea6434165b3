/**
 * A store's write that honours `REDIS_WAIT_REPLICAS` (lib/redis_client.ts
 * `requireReplicas`): the write's commands, then `WAIT replicas timeoutMs` in
 * the same pipeline, so the WAIT reaches the connection that made the write —
 * on one server its one connection, on a Redis Cluster the node the write's
 * keys route the pipeline to (every key of one write shares the module's
 * slot). Redis replicates asynchronously otherwise, and a failover may drop a
 * write the caller was told succeeded.
 *
 * Without a wait set on the client the commands run as a plain pipeline.
 *
 * @module
 */
import type { ChainableCommander, Cluster } from "ioredis";
import {
  isCluster,
  type RedisClient,
  ReplicasBehindError,
  type ReplicaWait,
  replicaWaitOf,
} from "./redis_client.ts";
import { execPipeline } from "./redis_pipeline.ts";
import { settlesWithin } from "./async/settles_within.ts";

/** How long a fence key lives: only its write matters, not the key. */
const FENCE_MS = 1_000;

/**
 * The fence for a write whose first key is `key`: `<prefix>{<tag>}:fence`, in
 * the same slot as every key of that write (they share the tag), or null for a
 * key without a hash tag.
 */
export function fenceKeyOf(key: string | undefined): string | null {
  const open = key?.indexOf("{") ?? -1;
  const close = open < 0 ? -1 : key!.indexOf("}", open + 2);
  return close < 0 ? null : `${key!.slice(0, close + 1)}:fence`;
}

/** How often a write a cluster node answered MOVED is sent again, the slot map read anew each time. */
const MOVED_RETRIES = 3;
/** How long a MOVED waits for the slot map to be read again before the write goes once more. */
const SLOT_REFRESH_MS = 2_000;

type Reply = [error: Error | null, value: unknown];

/** A pipeline's replies before its WAIT, and the WAIT's answer. */
interface Confirmed {
  replies: Reply[];
  waitError: Error | null;
  confirmed: number;
}

/** Splits a pipeline's replies, its last command a WAIT, into a Confirmed. */
function waited(replies: Reply[] | null): Confirmed {
  const all = replies ?? [];
  const [waitError, confirmed] = all.at(-1) ?? [null, 0];
  return { replies: all.slice(0, -1), waitError, confirmed: Number(confirmed) };
}

/** Writes gathered for one pipeline; each knows its commands by their place in it. */
interface Batch {
  pipeline: ChainableCommander;
  answered: PromiseWithResolvers<Confirmed>;
}

/** The writes of one client behind one fence (one slot): one pipeline out at a time. */
interface Lane {
  gathering: Batch | null;
  busy: boolean;
}

const lanes = new WeakMap<RedisClient, Map<string, Lane>>();

function laneOf(client: RedisClient, fence: string): Lane {
  let byFence = lanes.get(client);
  if (!byFence) lanes.set(client, byFence = new Map());
  let lane = byFence.get(fence);
  if (!lane) byFence.set(fence, lane = { gathering: null, busy: false });
  return lane;
}

/**
 * Sends what the lane gathered, with one fence and one WAIT for all of it, and
 * once that is answered what gathered meanwhile. A WAIT holds its connection
 * until a replica answers, so writes sent one pipeline each would queue behind
 * one another's WAITs; gathered, one WAIT covers them all (a group commit).
 */
function flush(client: RedisClient, fence: string, lane: Lane): void {
  const batch = lane.gathering;
  const wait = replicaWaitOf(client);
  lane.gathering = null;
  if (!batch) {
    lane.busy = false;
    return;
  }
  // The wait was taken off the client meanwhile: a WAIT 0 answers at once.
  batch.pipeline.set(fence, "1", "PX", FENCE_MS).call(
    "WAIT",
    wait?.replicas ?? 0,
    wait?.timeoutMs ?? 0,
  );
  batch.pipeline.exec().then(
    (replies) => batch.answered.resolve(waited(replies as Reply[] | null)),
    (error) => batch.answered.reject(error),
  ).finally(() => flush(client, fence, lane));
}

/**
 * Queues `write`'s commands into the lane's next pipeline and answers with
 * their replies, and the WAIT's, once it has been sent and answered.
 */
async function gathered(
  client: RedisClient,
  fence: string,
  write: (pipeline: ChainableCommander) => ChainableCommander,
): Promise<Confirmed> {
  const lane = laneOf(client, fence);
  lane.gathering ??= { pipeline: client.pipeline(), answered: Promise.withResolvers() };
  const batch = lane.gathering;
  const from = batch.pipeline.length;
  write(batch.pipeline);
  const to = batch.pipeline.length;
  if (!lane.busy) {
    lane.busy = true;
    // Writes made in this same turn go in the same pipeline.
    queueMicrotask(() => flush(client, fence, lane));
  }
  const answered = await batch.answered.promise;
  return { ...answered, replies: answered.replies.slice(from, to) };
}

/** One write in a pipeline of its own, followed by its WAIT. */
async function alone(
  client: RedisClient,
  write: (pipeline: ChainableCommander) => ChainableCommander,
  wait: ReplicaWait,
): Promise<Confirmed> {
  const replies = await write(client.pipeline()).call("WAIT", wait.replicas, wait.timeoutMs)
    .exec();
  return waited(replies as Reply[] | null);
}

/**
 * Runs the commands `write` queues and answers their replies (the first error
 * thrown). With a replica wait, throws ReplicasBehindError when fewer replicas
 * than asked confirmed the write in time: it happened on the master but does
 * not count as done, and the caller retries it (every store write is idempotent).
 *
 * Scripts go in as EVALSHA or EVAL (LuaScript), not as commands defined with
 * defineCommand: ioredis sends a defined command again after NOSCRIPT outside
 * the pipeline, after the WAIT, which then would not cover it.
 *
 * With a `fence` key (fenceKeyOf), the pipeline writes it just before the
 * WAIT: WAIT covers the connection's writes up to its replication offset,
 * which some servers move only on a write, so a script that answered from
 * what it read and wrote nothing (an idempotent step done before, its write
 * made by another connection) would otherwise be confirmed at once, whether or
 * not a replica has what it read. The fence makes any answer count only once a
 * replica has everything before it. Writes behind the same fence (one slot)
 * share pipelines: those made while one is out go together in the next, under
 * one fence and one WAIT.
 */
export async function writeReplicated<T extends unknown[]>(
  client: RedisClient,
  write: (pipeline: ChainableCommander) => ChainableCommander,
  fence: string | null = null,
): Promise<T> {
  const wait = replicaWaitOf(client);
  if (wait === null) return await execPipeline<T>(write(client.pipeline()));
  for (let attempt = 0;; attempt++) {
    const { replies, waitError, confirmed } = fence === null
      ? await alone(client, write, wait)
      : await gathered(client, fence, write);
    const error = replies.find(([error]) => error)?.[0];
    // ioredis follows a MOVED itself, but not in a pipeline with a WAIT (a write it may not
    // resend); MOVED means the node ran nothing, so sending it again is safe.
    if (error && isCluster(client) && isMoved(error) && attempt < MOVED_RETRIES) {
      await slotsRefreshed(client);
      continue;
    }
    if (error) throw error;
    if (waitError) throw waitError;
    if (confirmed < wait.replicas) throw new ReplicasBehindError(wait, confirmed);
    return replies.map(([, value]) => value) as T;
  }
}

/** "MOVED 3999 127.0.0.1:6381": the slot is served elsewhere now (a failover, a resharding). */
function isMoved(error: Error): boolean {
  return error.message.startsWith("MOVED ");
}

async function slotsRefreshed(cluster: Cluster): Promise<void> {
  // A refresh that fails (or hangs) leaves the old map: the next attempt then fails as this one.
  await settlesWithin(
    new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve())),
    SLOT_REFRESH_MS,
  );
}
