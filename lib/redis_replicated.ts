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
import { isCluster, type RedisClient, ReplicasBehindError, replicaWaitOf } from "./redis_client.ts";
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
 * replica has everything before it.
 */
export async function writeReplicated<T extends unknown[]>(
  client: RedisClient,
  write: (pipeline: ChainableCommander) => ChainableCommander,
  fence: string | null = null,
): Promise<T> {
  const wait = replicaWaitOf(client);
  if (wait === null) return await execPipeline<T>(write(client.pipeline()));
  for (let attempt = 0;; attempt++) {
    const pipeline = write(client.pipeline());
    if (fence !== null) pipeline.set(fence, "1", "PX", FENCE_MS);
    const replies = await pipeline.call("WAIT", wait.replicas, wait.timeoutMs).exec() ?? [];
    const [waitError, confirmed] = replies.pop() ?? [null, 0];
    if (fence !== null) replies.pop();
    const error = replies.find(([error]) => error)?.[0];
    // ioredis follows a MOVED itself, but not in a pipeline with a WAIT (a write it may not
    // resend); MOVED means the node ran nothing, so sending it again is safe.
    if (error && isCluster(client) && isMoved(error) && attempt < MOVED_RETRIES) {
      await slotsRefreshed(client);
      continue;
    }
    if (error) throw error;
    if (waitError) throw waitError;
    if (Number(confirmed) < wait.replicas) throw new ReplicasBehindError(wait, Number(confirmed));
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
